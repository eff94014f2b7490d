import { readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { buildImage, builderPlatforms, type BuildRequest } from '../docker/buildx.js';
import { connectEngine, type Engine } from '../docker/engine.js';
import { isInstructionStep } from '../docker/rawjson.js';
import type { Options } from '../inputs/resolve.js';
import type { Target } from '../model.js';
import { timedPhase, type Progress } from '../progress.js';
import { UsageError, errorMessage } from '../util/errors.js';
import { formatSeconds } from '../util/format.js';
import { chooseApplicationFile } from './app-file.js';
import { toStepRecords, type BuildEvidence } from './build.js';
import { probeCacheOrdering, rebuildUnchanged } from './cache.js';
import { collected, failed, skipped, valueOf, type Collected } from './collected.js';
import { collectComposeEvidence, DEFAULT_COMPOSE_NAMES, type ComposeEvidence } from './compose.js';
import { bringComposeUp } from './compose-up.js';
import { collectContextEvidence, type ContextEvidence } from './context.js';
import { parseDockerfile, type DockerfileEvidence } from './dockerfile.js';
import { collectFilesystemEvidence } from './filesystem.js';
import { describeEngine } from './engine.js';
import { collectImageEvidence } from './image.js';
import { collectRuntimeEvidence } from './runtime/collect.js';
import type { EvidenceSet } from './types.js';

// Runs the collectors in order: read the files; build (or take the given image); the cache
// rebuilds (before anything is timed at runtime, so builds never compete with measurements);
// inspect; then run the image and stream its files side by side. A collector records facts,
// never verdicts.

export interface Collection {
  evidence: EvidenceSet;
  target: Target;
}

export interface RunControl {
  runId: string;
  signal?: AbortSignal;
}

export async function collectEvidence(options: Options, progress: Progress, control: RunControl): Promise<Collection> {
  const { settings } = options;
  const { signal } = control;
  const unknownFiles = skipped<never>('a baseline image: the files it was built from are not known');
  const reads = options.readFiles !== false;
  const dockerfile = reads ? await progress.phase('dockerfile', () => readDockerfile(options)) : unknownFiles;
  const context = reads ? await progress.phase('context', () => readContext(options)) : unknownFiles;
  const compose = reads ? await progress.phase('compose', () => readCompose(options)) : unknownFiles;
  const target: Target = {
    context: repoPath(options, options.contextDir),
    dockerfile: options.dockerfilePath ? repoPath(options, options.dockerfilePath) : null,
    image: settings.image || null,
    imageId: null,
  };
  const evidence: EvidenceSet = {
    dockerfile,
    context,
    compose,
    engine: skipped('static mode: no engine is used'),
    build: skipped('static mode: nothing is built'),
    rebuild: skipped('static mode: nothing is built'),
    cacheProbe: skipped('static mode: nothing is built'),
    image: skipped('static mode: no image is inspected'),
    filesystem: skipped('static mode: no image is inspected'),
    runtime: skipped('static mode: nothing is run'),
    composeUp: skipped(settings.composeUp ? 'static mode: nothing is run' : 'compose-up not requested'),
  };
  if (settings.mode === 'static') return { evidence, target };

  const engine = await progress.phase('engine', () => connectEngine());
  // Asked while the build runs: `docker buildx version` is a process of its own.
  const engineRecord = attempt(() => describeEngine(engine), signal);
  if (settings.platform && !settings.image)
    await progress.phase('platform', () => checkPlatform(settings.platform, settings.builder));
  let imageRef = settings.image;
  if (!imageRef) {
    const request = buildRequest(options, progress, signal);
    const build = await progress.phase('build', () => runBuild(request, settings.noCache));
    evidence.build = collected(build);
    if (!build.ok || !build.imageId) {
      for (const key of ['rebuild', 'cacheProbe', 'image', 'filesystem', 'runtime'] as const)
        evidence[key] = skipped('the build failed, so there is no image');
      if (settings.composeUp) evidence.composeUp = skipped('the build failed, so the stack was not brought up');
      evidence.engine = await engineRecord;
      return { evidence, target };
    }
    imageRef = build.imageId;
    evidence.rebuild = await progress.phase('rebuild', () =>
      attempt(() => rebuildUnchanged(engine, { ...request, onStep: undefined }, build.imageId!)),
    );
    evidence.cacheProbe = await progress.phase('cache probe', () =>
      cacheProbe(engine, request, options, dockerfile, context, build.imageId!),
    );
  } else {
    const reason = `checking the given image ${settings.image}: nothing was built`;
    evidence.build = skipped(reason);
    evidence.rebuild = skipped(reason);
    evidence.cacheProbe = skipped(reason);
  }

  evidence.engine = await engineRecord;
  const image = await progress.phase('inspect', () =>
    collectImageEvidence(engine, {
      reference: imageRef,
      healthStartInterval: valueOf(evidence.engine)?.healthStartInterval ?? false,
    }),
  );
  evidence.image = collected(image);
  target.imageId = image.id;
  target.image ??= image.repoTags[0] ?? image.id;
  // The image's files are streamed while its containers run — from the moment the service's
  // startup is measured, so the export does not compete with what is being timed. Each phase is
  // timed on its own; one log group holds both (GitHub's groups cannot interleave).
  const [filesystem, runtime] = await progress.phase('filesystem and runtime', () => {
    let startFiles = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      startFiles = resolve;
    });
    // Each half says its own time in the log as it ends, like a phase of its own.
    const half = <T>(name: string, work: () => Promise<T>): Promise<T> =>
      timedPhase(progress.timings, name, work).finally(() =>
        progress.info(`${name}: ${formatSeconds(progress.timings[name] ?? 0)}`),
      );
    const files = gate.then(() =>
      half('filesystem', () =>
        attempt(() =>
          collectFilesystemEvidence(engine, {
            image: image.id,
            workingDir: image.workingDir,
            platform: { os: image.os, architecture: image.architecture },
            measureCompressed: settings.maxCompressedSizeMb !== null,
            ...(signal ? { signal } : {}),
          }),
        ),
      ),
    );
    const run = half('runtime', () =>
      attempt(
        () =>
          collectRuntimeEvidence({
            engine,
            image,
            filesystem: files.then(valueOf),
            settings,
            runId: control.runId,
            progress,
            onReadinessMeasured: startFiles,
            ...(signal ? { signal } : {}),
          }),
        signal,
      ),
    ).finally(startFiles);
    return Promise.all([files, run]);
  });
  evidence.filesystem = filesystem;
  evidence.runtime = runtime;
  if (settings.composeUp)
    evidence.composeUp = await progress.phase('compose up', () => composeUp(engine, options, compose, control));
  return { evidence, target };
}

async function composeUp(
  engine: Engine,
  options: Options,
  compose: Collected<ComposeEvidence>,
  control: RunControl,
): Promise<EvidenceSet['composeUp']> {
  const stack = valueOf(compose);
  if (!stack) return skipped('compose-up was requested, but there is no compose file');
  const absoluteFiles = stack.files.map((file) => resolve(options.workspace, file.path));
  return attempt(
    () =>
      bringComposeUp({
        engine,
        compose: stack,
        absoluteFiles,
        runId: control.runId,
        env: options.settings.runtimeEnv,
        timeoutSeconds: options.settings.composeUpTimeoutSeconds,
        ...(control.signal ? { signal: control.signal } : {}),
      }),
    control.signal,
  );
}

/** A platform the builder cannot build (no emulation for it) is a usage error, said before any work. */
async function checkPlatform(platform: string, builder: string): Promise<void> {
  const available = await builderPlatforms(builder || undefined);
  const wanted = platform.split(',').map((item) => item.trim());
  const missing = wanted.filter(
    (item) => !available.some((candidate) => candidate === item || candidate.startsWith(`${item}/`)),
  );
  if (missing.length > 0) {
    throw new UsageError(
      `platform: the builder cannot build for ${missing.join(', ')} (it can: ${available.join(', ') || 'nothing it reports'}); install QEMU emulation (docker run --privileged tonistiigi/binfmt --install all) or choose one of those`,
    );
  }
}

/** Runs a collector; its failure becomes `failed` evidence (checks report `error`), unless cancelled. */
async function attempt<T>(collect: () => Promise<T>, signal?: AbortSignal): Promise<Collected<T>> {
  try {
    return collected(await collect());
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof UsageError) throw error;
    return failed(errorMessage(error));
  }
}

async function readDockerfile(options: Options): Promise<Collected<DockerfileEvidence>> {
  if (!options.dockerfilePath) return skipped('no Dockerfile: checking a built image only');
  const path = repoPath(options, options.dockerfilePath);
  const content = await readFile(options.dockerfilePath, 'utf8');
  const parsed = parseDockerfile(content, {
    path,
    buildArgs: options.settings.buildArgs,
    ...(options.settings.target ? { target: options.settings.target } : {}),
  });
  const syntax = parsed.syntaxErrors[0];
  if (syntax)
    throw new UsageError(
      `${path}:${syntax.line}: ${syntax.message}; fix the Dockerfile (BuildKit would refuse it too)`,
    );
  if (parsed.finalStage < 0) {
    const names =
      parsed.stages
        .map((stage) => stage.name)
        .filter(Boolean)
        .join(', ') || 'none';
    throw new UsageError(`target: no stage named '${options.settings.target}' in ${path} (named stages: ${names})`);
  }
  return collected(parsed);
}

async function readCompose(options: Options): Promise<Collected<ComposeEvidence>> {
  const evidence = await collectComposeEvidence({
    workspace: options.workspace,
    contextDir: options.contextDir,
    given: options.settings.composeFiles,
    show: (path) => repoPath(options, path),
  });
  return evidence.files.length > 0
    ? collected(evidence)
    : skipped(`no compose file (looked for ${DEFAULT_COMPOSE_NAMES.join(', ')} in the context)`);
}

async function readContext(options: Options): Promise<Collected<ContextEvidence>> {
  if (!options.dockerfilePath && options.settings.image) return skipped('checking a built image: no build context');
  return attempt(() =>
    collectContextEvidence({
      contextDir: options.contextDir,
      dockerfilePath: options.dockerfilePath,
      show: (path) => repoPath(options, path),
    }),
  );
}

function buildRequest(options: Options, progress: Progress, signal?: AbortSignal): BuildRequest {
  const { settings } = options;
  return {
    context: options.contextDir,
    dockerfile: options.dockerfilePath!,
    buildArgs: settings.buildArgs,
    noCache: settings.noCache,
    tags: [],
    ...(settings.target ? { target: settings.target } : {}),
    ...(settings.platform ? { platform: settings.platform } : {}),
    ...(settings.builder ? { builder: settings.builder } : {}),
    ...(signal ? { signal } : {}),
    onStep(step) {
      if (step.completed === null || !isInstructionStep(step.name)) return;
      const how = step.error
        ? 'failed'
        : step.cached
          ? 'cached'
          : formatSeconds(((step.completed ?? 0) - (step.started ?? 0)) / 1000);
      progress.info(`${step.name} (${how})`);
    },
  };
}

async function runBuild(request: BuildRequest, noCache: boolean): Promise<BuildEvidence> {
  const outcome = await buildImage(request);
  return {
    ok: outcome.ok,
    imageId: outcome.imageId,
    seconds: outcome.seconds,
    noCache,
    steps: toStepRecords(outcome.steps),
    logTail: outcome.logTail,
  };
}

async function cacheProbe(
  engine: Engine,
  request: BuildRequest,
  options: Options,
  dockerfile: Collected<DockerfileEvidence>,
  context: Collected<ContextEvidence>,
  imageId: string,
): Promise<EvidenceSet['cacheProbe']> {
  if (!options.settings.cacheProbe) return skipped('cache-probe is off');
  const parsed = valueOf(dockerfile);
  const files = valueOf(context);
  if (!parsed || !files) return skipped('the Dockerfile or the build context could not be read');
  const changed = chooseApplicationFile(parsed, files.files);
  if (!changed) return skipped('the Dockerfile copies no application file from the build context');
  return attempt(() => probeCacheOrdering(engine, { ...request, onStep: undefined }, files, changed, imageId));
}

/** A path as reports show it: relative to the workspace, or absolute when outside it. */
export function repoPath(options: Options, path: string): string {
  const shown = relative(options.workspace, path).split(sep).join('/');
  if (shown.startsWith('..')) return path;
  return shown === '' ? '.' : shown;
}
