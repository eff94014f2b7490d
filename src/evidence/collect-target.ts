import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildImage, builderPlatforms, type BuildRequest } from '../docker/buildx.js';
import type { Engine } from '../docker/engine.js';
import { isInstructionStep } from '../docker/rawjson.js';
import type { Target } from '../model.js';
import { timedPhase, type Progress } from '../progress.js';
import { UsageError, errorMessage } from '../util/errors.js';
import { formatSeconds } from '../util/format.js';
import { chooseApplicationFile } from './app-file.js';
import { toStepRecords, type BuildEvidence } from './build.js';
import { probeCacheOrdering, rebuildUnchanged } from './cache.js';
import { collected, failed, skipped, valueOf, type Collected } from './collected.js';
import { DEFAULT_COMPOSE_NAMES, type ComposeEvidence } from './compose.js';
import { collectContextEvidence, type ContextEvidence } from './context.js';
import { stackOverride } from './compose-up.js';
import { parseDockerfile, type DockerfileEvidence } from './dockerfile.js';
import { collectFilesystemEvidence } from './filesystem.js';
import type { EngineRecord } from './engine.js';
import { collectImageEvidence } from './image.js';
import { collectRuntimeEvidence } from './runtime/run-image.js';
import type { StackRequest } from './runtime/stack.js';
import type { EvidenceSet } from './types.js';
import { readVulnerabilityReport } from './vulnerabilities.js';
import type { TargetRequest } from '../request.js';
import { repoPath } from '../util/repo-path.js';

// One target's evidence, collectors in order: read the files; build (or take the given image); the
// cache rebuilds (before anything is timed at runtime, so builds never compete with
// measurements); inspect; then run the image and stream its files side by side. A collector
// records facts, never verdicts. (A compose stack's bring-up needs every target's image: the run
// does it, src/run/stack.ts.)

export interface Collection {
  evidence: EvidenceSet;
  target: Target;
}

/** The engine, connected once for the whole run, and what it is. */
export interface EngineSession {
  engine: Engine;
  record: Collected<EngineRecord>;
}

export interface RunControl {
  /** The run's id: every container, network and compose project of the run carries it. */
  runId: string;
  signal?: AbortSignal;
  /** Absent in static mode. */
  engine?: EngineSession;
  /** The run's compose project, when it has one: a target that is one of its services is proven in its stack. */
  compose?: ComposeEvidence | null;
}

export async function collectTargetEvidence(
  request: TargetRequest,
  progress: Progress,
  control: RunControl,
): Promise<Collection> {
  const { settings } = request;
  const { signal } = control;
  const unknownFiles = skipped<never>('a baseline image: the files it was built from are not known');
  const reads = request.readFiles;
  const dockerfile = reads ? await progress.phase('dockerfile', () => readDockerfile(request)) : unknownFiles;
  const context = reads ? await progress.phase('context', () => readContext(request)) : unknownFiles;
  const compose = reads ? readCompose(request) : unknownFiles;
  const target: Target = {
    context:
      request.kind === 'image' && !request.dockerfilePath ? null : repoPath(request.workspace, request.contextDir),
    dockerfile: request.dockerfilePath ? repoPath(request.workspace, request.dockerfilePath) : null,
    image: settings.image || null,
    imageId: null,
    stage: settings.target || null,
    services: request.services,
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
    composeUp: skipped(composeUpReason(request)),
    vulnerabilities: await readVulnerabilities(request),
  };
  if (settings.mode === 'static' || !control.engine) return { evidence, target };
  evidence.engine = control.engine.record;
  if (request.kind === 'stack') {
    const reason = 'a compose stack: its services that build or name an image are targets of their own';
    for (const key of ['build', 'rebuild', 'cacheProbe', 'image', 'filesystem', 'runtime'] as const)
      evidence[key] = skipped(reason);
    return { evidence, target };
  }
  const { engine } = control.engine;
  const engineRecord = valueOf(control.engine.record);

  if (settings.platform && !settings.image)
    await progress.phase('platform', () => checkPlatform(settings.platform, settings.builder));
  let imageRef = settings.image;
  if (!imageRef) {
    const build = buildRequest(request, progress, signal);
    const built = await progress.phase('build', () => runBuild(build, settings.noCache));
    evidence.build = collected(built);
    if (!built.ok || !built.imageId) {
      for (const key of ['rebuild', 'cacheProbe', 'image', 'filesystem', 'runtime'] as const)
        evidence[key] = skipped('the build failed, so there is no image');
      return { evidence, target };
    }
    imageRef = built.imageId;
    evidence.rebuild = await progress.phase('rebuild', () =>
      attempt(() => rebuildUnchanged(engine, { ...build, onStep: undefined }, built.imageId!)),
    );
    evidence.cacheProbe = await progress.phase('cache probe', () =>
      cacheProbe(engine, build, request, dockerfile, context, built.imageId!),
    );
  } else {
    const reason = `checking the given image ${settings.image}: nothing was built`;
    evidence.build = skipped(reason);
    evidence.rebuild = skipped(reason);
    evidence.cacheProbe = skipped(reason);
  }

  const image = await progress.phase('inspect', () =>
    collectImageEvidence(engine, {
      reference: imageRef,
      healthStartInterval: engineRecord?.healthStartInterval ?? false,
      input: request.imageInput ?? 'image',
      info: (message) => progress.info(message),
      ...(signal ? { signal } : {}),
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
            user: image.user,
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
            scope: request.scope,
            progress,
            onReadinessMeasured: startFiles,
            ...stackOf(request, control.compose ?? request.compose),
            ...(signal ? { signal } : {}),
          }),
        signal,
      ),
    ).finally(startFiles);
    return Promise.all([files, run]);
  });
  evidence.filesystem = filesystem;
  evidence.runtime = runtime;
  return { evidence, target };
}

/**
 * The compose service a target's image is, to be proven in its stack: of the services that build
 * or name it, the first that depends on others (the one that needs its stack), else the first.
 */
function stackOf(request: TargetRequest, compose: ComposeEvidence | null): { stack?: StackRequest } {
  const { settings } = request;
  if (!settings.runtimeInStack || !compose || request.services.length === 0) return {};
  const services = request.services
    .map((key) => compose.services.find((service) => `${service.file}#${service.name}` === key))
    .filter((service) => service !== undefined);
  const chosen = services.find((service) => service.data.depends_on) ?? services[0];
  if (!chosen) return {};
  return {
    stack: {
      key: `${chosen.file}#${chosen.name}`,
      service: chosen.name,
      absoluteFiles: compose.files
        .filter((file) => file.role === 'file')
        .map((file) => resolve(request.workspace, file.path)),
      envFiles: compose.variablesFiles,
      envFileOverride: compose.services.some((service) => service.envFiles.some((file) => file.standsFor !== null))
        ? stackOverride(compose, {})
        : null,
      env: { ...process.env, ...settings.runtimeEnv },
      timeoutSeconds: settings.composeUpTimeoutSeconds,
    },
  };
}

function composeUpReason(request: TargetRequest): string {
  if (!request.settings.composeUp) return 'compose-up not requested';
  if (request.settings.mode === 'static') return 'static mode: nothing is run';
  return request.compose ? 'the stack was not brought up' : 'this target has no compose file';
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
export async function attempt<T>(collect: () => Promise<T>, signal?: AbortSignal): Promise<Collected<T>> {
  try {
    return collected(await collect());
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof UsageError) throw error;
    return failed(errorMessage(error));
  }
}

async function readDockerfile(request: TargetRequest): Promise<Collected<DockerfileEvidence>> {
  if (!request.dockerfilePath) {
    return skipped(
      request.kind === 'stack'
        ? 'a compose stack: no Dockerfile of its own'
        : 'no Dockerfile: checking a built image only',
    );
  }
  const { settings } = request;
  const path = repoPath(request.workspace, request.dockerfilePath);
  const content = await readFile(request.dockerfilePath, 'utf8');
  const parsed = parseDockerfile(content, {
    path,
    buildArgs: settings.buildArgs,
    ...(settings.target ? { target: settings.target } : {}),
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
    throw new UsageError(`target: no stage named '${settings.target}' in ${path} (named stages: ${names})`);
  }
  return collected(parsed);
}

function readCompose(request: TargetRequest): Collected<ComposeEvidence> {
  if (request.compose) return collected(request.compose);
  if (request.services.length > 0) return skipped(`judged with its stack: ${request.services[0].split('#')[0]}`);
  return skipped(`no compose file (looked for ${DEFAULT_COMPOSE_NAMES.join(', ')} in the context)`);
}

async function readContext(request: TargetRequest): Promise<Collected<ContextEvidence>> {
  if (request.kind === 'stack') return skipped('a compose stack: no build context of its own');
  if (!request.dockerfilePath && request.settings.image) return skipped('checking a built image: no build context');
  return attempt(() =>
    collectContextEvidence({
      contextDir: request.contextDir,
      dockerfilePath: request.dockerfilePath,
      show: (path) => repoPath(request.workspace, path),
      uncertain: request.contextUncertain ?? null,
    }),
  );
}

function buildRequest(request: TargetRequest, progress: Progress, signal?: AbortSignal): BuildRequest {
  const { settings } = request;
  return {
    context: request.contextDir,
    dockerfile: request.dockerfilePath!,
    buildArgs: settings.buildArgs,
    noCache: settings.noCache,
    tags: [],
    ...(request.buildInputs ? { inputs: request.buildInputs } : {}),
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
  build: BuildRequest,
  request: TargetRequest,
  dockerfile: Collected<DockerfileEvidence>,
  context: Collected<ContextEvidence>,
  imageId: string,
): Promise<EvidenceSet['cacheProbe']> {
  if (!request.settings.cacheProbe) return skipped('cache-probe is off');
  const parsed = valueOf(dockerfile);
  const files = valueOf(context);
  if (!parsed || !files) return skipped('the Dockerfile or the build context could not be read');
  const changed = chooseApplicationFile(parsed, files.files);
  if (!changed) return skipped('the Dockerfile copies no application file from the build context');
  return attempt(() => probeCacheOrdering(engine, { ...build, onStep: undefined }, files, changed, imageId));
}

/** The scanner's reports, read before anything is built: a bad file stops the run at once. */
async function readVulnerabilities(request: TargetRequest): Promise<EvidenceSet['vulnerabilities']> {
  const { current, baseline } = request.vulnerabilityReports;
  if (request.kind === 'stack') return skipped('a compose stack: its images are targets of their own');
  if (!current) return skipped('no vulnerability-report given (Trivy or Grype JSON, or SARIF from either)');
  const show = (path: string): string => repoPath(request.workspace, path);
  return collected({
    current: await readVulnerabilityReport(current, show(current), 'vulnerability-report'),
    baseline: baseline
      ? await readVulnerabilityReport(baseline, show(baseline), 'baseline-vulnerability-report')
      : null,
  });
}
