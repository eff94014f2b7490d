import { resolve } from 'node:path';
import { buildImage, builderPlatforms, type BuildRequest } from '../docker/buildx.js';
import type { Engine } from '../docker/engine.js';
import { isInstructionStep } from '../docker/rawjson.js';
import { chooseApplicationFile } from '../evidence/app-file.js';
import { toStepRecords, type BuildEvidence } from '../evidence/build.js';
import { probeCacheOrdering, rebuildUnchanged } from '../evidence/cache.js';
import { attempt, collected, skipped, valueOf, type Collected } from '../evidence/collected.js';
import type { ComposeEvidence } from '../evidence/compose.js';
import { stackOverride } from '../evidence/compose-up.js';
import type { ContextEvidence } from '../evidence/context.js';
import type { DockerfileEvidence } from '../evidence/dockerfile.js';
import { collectFilesystemEvidence } from '../evidence/filesystem.js';
import { collectImageEvidence } from '../evidence/image.js';
import { readCompose, readContext, readDockerfile, readVulnerabilities } from '../evidence/read-files.js';
import { collectRuntimeEvidence } from '../evidence/runtime/run-image.js';
import type { StackRequest } from '../evidence/runtime/stack.js';
import type { EvidenceSet } from '../evidence/types.js';
import type { Target } from '../model.js';
import { timedPhase, type Progress } from '../progress.js';
import type { TargetRequest } from '../request.js';
import { UsageError } from '../util/errors.js';
import { formatSeconds } from '../util/format.js';
import { repoPath } from '../util/repo-path.js';
import type { RunControl } from './control.js';

// One target's evidence, collectors in order: read the files; build (or take the given image); the
// cache rebuilds (before anything is timed at runtime, so builds never compete with
// measurements); inspect; then run the image and stream its files side by side. A collector
// records facts, never verdicts; what each does is the target's `collect` options, never its
// thresholds. (A compose stack's bring-up needs every target's image: the run does it after
// every target is collected, src/run/run.ts.)

export interface Collection {
  evidence: EvidenceSet;
  target: Target;
}

export async function collectTargetEvidence(
  request: TargetRequest,
  progress: Progress,
  control: RunControl,
): Promise<Collection> {
  const { source, collect } = request;
  const { signal } = control;
  const unknownFiles = skipped<never>('a baseline image: the files it was built from are not known');
  const reads = request.readFiles;
  const dockerfile = reads ? await progress.phase('dockerfile', () => readDockerfile(request)) : unknownFiles;
  const context = reads ? await progress.phase('context', () => readContext(request)) : unknownFiles;
  const compose = reads ? readCompose(request) : unknownFiles;
  const target: Target = {
    context:
      source.kind === 'image' && !request.dockerfilePath ? null : repoPath(request.workspace, request.contextDir),
    dockerfile: request.dockerfilePath ? repoPath(request.workspace, request.dockerfilePath) : null,
    image: source.kind === 'image' ? source.image : null,
    imageId: null,
    stage: source.kind === 'stack' ? null : source.stage,
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
  if (collect.mode === 'static' || !control.engine) return { evidence, target };
  evidence.engine = control.engine.record;
  if (source.kind === 'stack') {
    const reason = 'a compose stack: its services that build or name an image are targets of their own';
    for (const key of ['build', 'rebuild', 'cacheProbe', 'image', 'filesystem', 'runtime'] as const)
      evidence[key] = skipped(reason);
    return { evidence, target };
  }
  const { engine } = control.engine;
  const engineRecord = valueOf(control.engine.record);

  if (collect.platform && source.kind === 'build')
    await progress.phase('platform', () => checkPlatform(collect.platform, collect.builder));
  let imageRef: string;
  if (source.kind === 'build') {
    const build = buildRequest(request, source, progress, signal);
    const built = await progress.phase('build', () => runBuild(build, collect.noCache));
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
    imageRef = source.image;
    const reason = `checking the given image ${source.image}: nothing was built`;
    evidence.build = skipped(reason);
    evidence.rebuild = skipped(reason);
    evidence.cacheProbe = skipped(reason);
  }

  const image = await progress.phase('inspect', () =>
    collectImageEvidence(engine, {
      reference: imageRef,
      healthStartInterval: engineRecord?.healthStartInterval ?? false,
      input: source.kind === 'image' ? source.input : 'image',
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
            measureCompressed: collect.measureCompressedSize,
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
            options: collect.runtime,
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
  const { runtime } = request.collect;
  if (!runtime.inStack || !compose || request.services.length === 0) return {};
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
      env: { ...process.env, ...runtime.env },
      timeoutSeconds: runtime.composeUpTimeoutSeconds,
    },
  };
}

function composeUpReason(request: TargetRequest): string {
  if (!request.collect.composeUp) return 'compose-up not requested';
  if (request.collect.mode === 'static') return 'static mode: nothing is run';
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

function buildRequest(
  request: TargetRequest,
  source: Extract<TargetRequest['source'], { kind: 'build' }>,
  progress: Progress,
  signal?: AbortSignal,
): BuildRequest {
  const { collect } = request;
  return {
    context: request.contextDir,
    dockerfile: request.dockerfilePath!,
    buildArgs: source.buildArgs,
    noCache: collect.noCache,
    tags: [],
    ...(request.buildInputs ? { inputs: request.buildInputs } : {}),
    ...(source.stage ? { target: source.stage } : {}),
    ...(collect.platform ? { platform: collect.platform } : {}),
    ...(collect.builder ? { builder: collect.builder } : {}),
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
  if (!request.collect.cacheProbe) return skipped('cache-probe is off');
  const parsed = valueOf(dockerfile);
  const files = valueOf(context);
  if (!parsed || !files) return skipped('the Dockerfile or the build context could not be read');
  const changed = chooseApplicationFile(parsed, files.files);
  if (!changed) return skipped('the Dockerfile copies no application file from the build context');
  return attempt(() => probeCacheOrdering(engine, { ...build, onStep: undefined }, files, changed, imageId));
}
