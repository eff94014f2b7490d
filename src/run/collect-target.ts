import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  buildImage,
  builderDriver,
  builderBuilds,
  builderPlatforms,
  cacheOnlySupported,
  layoutOutputSupported,
  type BuildRequest,
} from '../docker/buildx.js';
import type { Engine } from '../docker/engine.js';
import { isInstructionStep } from '../docker/rawjson.js';
import { chooseApplicationFile } from '../evidence/app-file.js';
import { toStepRecords, type BuildEvidence } from '../evidence/build.js';
import { probeCacheOrdering, rebuildUnchanged } from '../evidence/cache.js';
import { attempt, collected, failed, skipped, valueOf, type Collected } from '../evidence/collected.js';
import type { ComposeEvidence } from '../evidence/compose.js';
import { stackOverride } from '../evidence/compose-up.js';
import type { ContextEvidence } from '../evidence/context.js';
import { builtStages, type DockerfileEvidence } from '../evidence/dockerfile.js';
import { collectFilesystemEvidence, type FilesystemEvidence } from '../evidence/filesystem.js';
import { collectImageEvidence } from '../evidence/image.js';
import { readCompose, readContext, readDockerfile, readVulnerabilities } from '../evidence/read-files.js';
import { collectRuntimeEvidence } from '../evidence/runtime/run-image.js';
import { verifySignatures } from '../evidence/signatures.js';
import { collectRegistryAttestations } from '../evidence/attestations.js';
import { buildAttestations, planAttestations } from './build-attestations.js';
import type { StackRequest } from '../evidence/runtime/stack.js';
import { emulationOf } from '../evidence/emulation.js';
import type { EvidenceSet } from '../evidence/types.js';
import type { EngineRecord, Target } from '../model.js';
import { timedPhase, type Progress } from '../progress.js';
import type { TargetRequest } from '../request.js';
import { UsageError } from '../util/errors.js';
import { formatSeconds } from '../util/format.js';
import { repoPath } from '../util/repo-path.js';
import type { RunControl } from './control.js';
import { deferTo } from '../util/deferred-cleanup.js';
import { imagePlatformOf, shownReference } from './image-platforms.js';

// One target's evidence, collectors in order: read the files; build (or take the given image);
// inspect; run the image, and once its startup is measured, read its files and run the cache
// rebuilds side by side with its idle window (nothing of ours competes with the startup, and the
// stop is measured after they are done). A collector
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
  const compose = reads ? (composeOnPrincipal(request) ?? readCompose(request)) : unknownFiles;
  // One platform of an image named by reference (src/run/image-platforms.ts): its image pinned by
  // digest, named in the report as given with that digest; refused where the reference has none.
  const imagePlatform = imagePlatformOf(request);
  const target: Target = {
    context:
      source.kind === 'image' && !request.dockerfilePath ? null : repoPath(request.workspace, request.contextDir),
    dockerfile: request.dockerfilePath ? repoPath(request.workspace, request.dockerfilePath) : null,
    image:
      source.kind !== 'image'
        ? null
        : imagePlatform?.digest
          ? shownReference(imagePlatform.given, imagePlatform.digest)
          : (imagePlatform?.given ?? source.image),
    imageId: null,
    stage: source.kind === 'stack' ? null : source.stage,
    services: request.services,
    // One platform of several: the one asked for, until the image says its own.
    ...(request.platform ? { platform: request.platform.name } : {}),
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
    vulnerabilities: otherPlatformsReport(request) ?? (await readVulnerabilities(request)),
    signatures: request.collect.signatures
      ? await progress.phase('signatures', () => signaturesOf(request, dockerfile, signal))
      : skipped('verify-signature is not set'),
    attestations: await attestationsOf(request, progress, signal),
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

  if (imagePlatform?.refused) {
    // As a platform the builder cannot build: every check that needed its image says why, never a pass.
    const why = `not proven: ${imagePlatform.refused}`;
    const reason = `checking the given image ${imagePlatform.given}: nothing was built`;
    for (const key of ['build', 'rebuild', 'cacheProbe'] as const) evidence[key] = skipped(reason);
    for (const key of ['image', 'filesystem', 'runtime', 'attestations'] as const) evidence[key] = failed(why);
    if (evidence.vulnerabilities.state === 'collected') evidence.vulnerabilities = failed(why);
    if (evidence.signatures.state === 'collected') evidence.signatures = failed(why);
    return { evidence, target };
  }
  if (collect.platform && source.kind === 'build') {
    const refused = await progress.phase('platform', async () =>
      platformRefusal(collect.platform, await (control.builderPlatforms ?? askBuilder)(collect.builder)),
    );
    // Alone, a platform the builder cannot build is the user's mistake, said before any work; one
    // of several is not proven here, and says so in every check that needed it (never a pass).
    if (refused && !request.platform) throw new UsageError(`platform: ${refused}`);
    if (refused) {
      const why = `not proven: ${refused}`;
      for (const key of ['build', 'rebuild', 'cacheProbe', 'image', 'filesystem', 'runtime', 'attestations'] as const)
        evidence[key] = failed(why);
      if (evidence.vulnerabilities.state === 'collected') evidence.vulnerabilities = failed(why);
      return { evidence, target };
    }
  }
  // Where the builder can, it writes the image's layers once more, as it holds them, for the
  // files to be read from (src/docker/image-layout.ts) instead of the engine's slower export.
  const layoutDir =
    source.kind === 'build' && engineRecord && (await buildWritesLayout(engineRecord, collect))
      ? await mkdtemp(join(tmpdir(), 'cs-hardening-layout-'))
      : null;
  try {
    let imageRef: string;
    let layout: { dir: string; configDigest: string } | null = null;
    let build: BuildRequest | null = null;
    if (source.kind === 'build') {
      const containerdStore = engineRecord?.imageStore === 'containerd';
      build = buildRequest(request, source, progress, signal);
      if (build.inputs) {
        const plan = planAttestations(build.inputs, {
          containerdStore,
          readsLayout: layoutDir !== null,
          checkAttestations: collect.attestations,
        });
        if (plan.refused) progress.info(`provenance and sbom: ${plan.refused}`);
        if (plan.annotationsRefused) progress.info(`image-annotations: ${plan.annotationsRefused}`);
        build = { ...build, inputs: plan.inputs };
      }
      const first = build;
      // Without its SBOM only where HARD-SUPPLY-004 will read the build and say why.
      const sbomFallback = collect.attestations && layoutDir !== null;
      const built = await progress.phase('build', () =>
        runBuild({ ...first, ...(layoutDir ? { layoutDir } : {}), sbomFallback }, collect.noCache),
      );
      evidence.build = collected(built.evidence);
      if (!built.evidence.ok || !built.evidence.imageId) {
        for (const key of ['rebuild', 'cacheProbe', 'image', 'filesystem', 'runtime', 'attestations'] as const)
          evidence[key] = skipped('the build failed, so there is no image');
        return { evidence, target };
      }
      if (built.sbomNotProduced) {
        progress.info(`sbom: ${built.sbomNotProduced}`);
        // The rebuilds are this build again: without the generator that cannot be pulled.
        build = { ...build, inputs: { ...build.inputs!, sbom: null } };
      }
      if (collect.attestations)
        evidence.attestations = await progress.phase('attestations', () =>
          buildAttestations(built, { containerdStore }, signal),
        );
      imageRef = built.evidence.imageId;
      layout = built.layout;
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
    // What was proven: the image's own platform, whatever was asked for.
    target.platform = [image.os, image.architecture, image.variant].filter(Boolean).join('/');
    target.image ??= image.repoTags[0] ?? image.id;
    // An image named by reference (`image:`): the registry digests the engine holds for it, which an
    // attestation's subject may name. A build's are local names (the containerd store lists those too).
    if (source.kind === 'image' && image.repoDigests.length > 0) target.repoDigests = image.repoDigests;
    // The service's startup is measured first, with only its own probe containers beside it; from
    // then on the image's files are read and the cache probe runs, then the unchanged rebuild, side
    // by side with its idle window
    // (the runtime waits for them before it measures the stop, and samples a busy service again
    // once they are done). Each part is timed on its own; one log group holds them all (GitHub's
    // groups cannot interleave).
    const imageBuilt = imageRef;
    const [filesystem, runtime, probe, rebuild] = await progress.phase(OVERLAPPED_PHASE, () => {
      let release = (): void => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      // Each part says its own time in the log as it ends, like a phase of its own.
      const part = <T>(name: string, work: () => Promise<T>): Promise<T> =>
        timedPhase(progress.timings, name, work).finally(() =>
          progress.info(`${name}: ${formatSeconds(progress.timings[name] ?? 0)}`),
        );
      const files = gate.then(() =>
        part('filesystem', () =>
          // Cancelled before it could start: said as such, not read.
          signal?.aborted
            ? Promise.resolve(skipped<FilesystemEvidence>('the run was cancelled'))
            : attempt(() =>
                collectFilesystemEvidence(engine, {
                  image: image.id,
                  workingDir: image.workingDir,
                  user: image.user,
                  platform: { os: image.os, architecture: image.architecture },
                  measureCompressed: collect.measureCompressedSize,
                  ...(layout ? { layout } : {}),
                  info: (message) => progress.info(message),
                  ...(signal ? { signal } : {}),
                }).then((files) => {
                  progress.info(
                    files.readFrom === 'build-output'
                      ? "the image's files read from the build's own output (no export by the engine)"
                      : "the image's files read from the engine's export of the image",
                  );
                  return files;
                }),
              ),
        ),
      );
      // The cache probe is not timed (it tells which steps re-ran): it runs beside the files. The
      // unchanged rebuild is (cached build time), so it runs after both, with nothing of ours beside
      // it — beside two busy cores its time doubles (measured with the hardened example).
      const probed = gate.then(() =>
        build && !signal?.aborted
          ? part('cache probe', () =>
              cacheProbe(engine, probeBuild(build, engineRecord), request, dockerfile, context, imageBuilt),
            )
          : null,
      );
      const rebuilt = Promise.allSettled([files, probed]).then(() =>
        build && !signal?.aborted
          ? part('rebuild', () => attempt(() => rebuildUnchanged(engine, quietBuild(build), imageBuilt)))
          : null,
      );
      const run = part('runtime', () =>
        attempt(
          () =>
            collectRuntimeEvidence({
              engine,
              image,
              filesystem: files.then(valueOf),
              background: Promise.allSettled([files, probed, rebuilt]),
              options: collect.runtime,
              runId: control.runId,
              scope: request.scope,
              progress,
              onReadinessMeasured: release,
              defer: deferTo(control.cleanup),
              ...stackOf(request, control.compose ?? request.compose),
              ...(signal ? { signal } : {}),
            }),
          signal,
        ),
      ).finally(release);
      // Nothing of this target outlives it (its layout is removed next): every part ends first.
      return Promise.allSettled([files, run, probed, rebuilt]).then(() => Promise.all([files, run, probed, rebuilt]));
    });
    if (rebuild) evidence.rebuild = rebuild;
    if (probe) evidence.cacheProbe = probe;
    evidence.filesystem = filesystem;
    evidence.runtime = (await unrunnableHere(runtime, evidence)) ?? runtime;
    return { evidence, target };
  } finally {
    if (layoutDir)
      await deferTo(control.cleanup)(
        () => rm(layoutDir, { recursive: true, force: true }),
        (message) => progress.info(`could not remove the build's layout ${layoutDir}: ${message}`),
      );
  }
}

/** The log group of everything that runs beside the service (and each part's own timing). */
export const OVERLAPPED_PHASE = 'runtime, filesystem and rebuilds';

/**
 * The build's own layout is written where it pays: on the containerd image store, whose export
 * of an image is several times slower than BuildKit writing the layers it holds
 * (bench/store-paths.ts measures both, per store); on the overlay2 store the engine streams its
 * layers near disk speed. Only the engine's own builder (the docker driver): buildx's selected
 * builder may be another (setup-buildx-action selects a docker-container one), with its own
 * BuildKit and its own way to --load.
 */
async function buildWritesLayout(engine: EngineRecord, collect: TargetRequest['collect']): Promise<boolean> {
  if (collect.platform.includes(',')) return false;
  if (!layoutOutputSupported(engine.version, engine.buildx, collect.builder, engine.imageStore === 'containerd'))
    return false;
  return (await builderDriver().catch(() => null)) === 'docker';
}

/** The run's build again, without its progress lines: the rebuilds are not the user's build. */
function quietBuild(build: BuildRequest): BuildRequest {
  return { ...build, onStep: undefined };
}

/**
 * The cache probe's build: its evidence is which steps re-ran, not an image, so where the builder
 * can it builds into the cache only — no image exported to the store and removed again (0.25 s
 * less per probe of the hardened example on the containerd store, and less CPU beside the files).
 */
function probeBuild(build: BuildRequest, engine: EngineRecord | undefined): BuildRequest {
  const cacheOnly = engine !== undefined && cacheOnlySupported(engine.version, engine.buildx, build.builder ?? '');
  return { ...quietBuild(build), ...(cacheOnly ? { cacheOnly } : {}) };
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

/**
 * An image of another architecture that this engine cannot run (no emulator registered on its
 * host; a remote or multi-node builder built it): `exec format error` at start says so. That is
 * not the image's failure but this machine's, so its runtime is not proven — never judged failed.
 * The same error from an image of the engine's own architecture is the image's (a binary of the
 * wrong architecture as its entrypoint) and judged as usual.
 */
async function unrunnableHere(
  runtime: EvidenceSet['runtime'],
  evidence: EvidenceSet,
): Promise<EvidenceSet['runtime'] | null> {
  const value = valueOf(runtime);
  const image = valueOf(evidence.image);
  const engine = valueOf(evidence.engine);
  if (!value || !image || !engine) return null;
  if (!/exec format error/i.test(value.service.exited?.logTail ?? '')) return null;
  const emulation = emulationOf(image, engine.architecture);
  if (!emulation) return null;
  // An emulator for it is registered here: the error is the image's own (a binary of a third
  // architecture), judged as usual.
  if (await emulatorRegistered(image.architecture)) return null;
  return failed(
    `not proven: this engine cannot run ${emulation.platform} (exec format error: no emulator registered on its ${emulation.host} host); register QEMU (docker/setup-qemu-action in a workflow; \`docker run --privileged tonistiigi/binfmt --install all\` on a machine)`,
  );
}

/** The compose files of a build of several platforms are judged once, with its principal platform. */
function composeOnPrincipal(request: TargetRequest): Collected<ComposeEvidence> | null {
  const { platform } = request;
  if (!platform?.composeOn || platform.name === platform.composeOn) return null;
  return skipped(`judged once, with ${platform.composeOn}: the compose files are the same for every platform`);
}

/** QEMU's name of each architecture, as its binfmt_misc handler is named (`qemu-aarch64`). */
const QEMU_NAMES: Record<string, string> = {
  amd64: 'x86_64',
  arm64: 'aarch64',
  arm: 'arm',
  '386': 'i386',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64le: 'mips64el',
};

/**
 * Whether this machine, the engine's host when the engine is local, has an emulator registered for
 * the architecture (an enabled binfmt_misc handler); false where it cannot tell (a remote engine).
 */
async function emulatorRegistered(architecture: string): Promise<boolean> {
  const host = process.env.DOCKER_HOST ?? '';
  if (host !== '' && !host.startsWith('unix://')) return false;
  const name = QEMU_NAMES[architecture] ?? architecture;
  const handler = await readFile(`/proc/sys/fs/binfmt_misc/qemu-${name}`, 'utf8').catch(() => '');
  return /^enabled$/m.test(handler);
}

/**
 * A scanner's report is of one image: with several platforms, the principal one's. The others are
 * not judged on it (a verdict on another platform's image), and say so.
 */
function otherPlatformsReport(request: TargetRequest): EvidenceSet['vulnerabilities'] | null {
  const { platform } = request;
  if (!platform || platform.name === platform.first || !request.vulnerabilityReports.current) return null;
  return skipped(
    `the vulnerability report is of one image, judged as ${platform.first}'s: ${platform.name} is not judged on it`,
  );
}

function composeUpReason(request: TargetRequest): string {
  if (!request.collect.composeUp) return 'compose-up not requested';
  if (request.collect.mode === 'static') return 'static mode: nothing is run';
  return request.compose ? 'the stack was not brought up' : 'this target has no compose file';
}

/** A builder asked on its own, where the run does not ask once for all its targets. */
function askBuilder(builder: string): Promise<string[]> {
  return builderPlatforms(builder || undefined);
}

/** Why the builder cannot build for the platform (no emulation registered for it), or null. */
function platformRefusal(platform: string, available: string[]): string | null {
  const wanted = platform.split(',').map((item) => item.trim());
  const missing = wanted.filter((item) => !builderBuilds(available, item));
  if (missing.length === 0) return null;
  return `the builder cannot build for ${missing.join(', ')} (it can: ${available.join(', ') || 'nothing it reports'}); register QEMU emulation (docker/setup-qemu-action in a workflow; \`docker run --privileged tonistiigi/binfmt --install all\`, or Debian's qemu-user-static, on a machine) or choose one of those`;
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

async function runBuild(
  request: BuildRequest,
  noCache: boolean,
): Promise<{
  evidence: BuildEvidence;
  layout: { dir: string; configDigest: string } | null;
  sbomNotProduced?: string;
}> {
  const outcome = await buildImage(request);
  return {
    ...(outcome.sbomNotProduced ? { sbomNotProduced: outcome.sbomNotProduced } : {}),
    evidence: {
      ok: outcome.ok,
      imageId: outcome.imageId,
      seconds: outcome.seconds,
      noCache,
      steps: toStepRecords(outcome.steps),
      logTail: outcome.logTail,
      ...(outcome.layout ? { layoutExportSeconds: outcome.layout.exportSeconds } : {}),
    },
    layout: outcome.layout,
  };
}

/** The attestations its registry holds for an image named by reference (check-attestations). */
async function attestationsOf(
  request: TargetRequest,
  progress: Progress,
  signal: AbortSignal | undefined,
): Promise<EvidenceSet['attestations']> {
  if (!request.collect.attestations) return skipped('check-attestations is off');
  const { source } = request;
  if (source.kind === 'stack') return skipped('a compose stack: its images are targets of their own');
  // A build's are read from its own output once it is built (src/run/build-attestations.ts).
  if (source.kind === 'build') return skipped('static mode: nothing is built');
  const platform = request.collect.platform || hostPlatform();
  // One platform of an image named by reference: the index it resolved to in the plan holds its attestations.
  const reference = imagePlatformOf(request)?.pinned ?? source.image;
  return progress.phase('attestations', () =>
    attempt(() => collectRegistryAttestations(reference, platform, signal), signal),
  );
}

/** The platform an image is run on here when none is given: this machine's. */
function hostPlatform(): string {
  const architecture = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', ia32: '386' }[
    process.arch as string
  ];
  return `linux/${architecture ?? process.arch}`;
}

/** cosign's verdicts on the base images and the named image (verify-signature); skipped when not asked. */
async function signaturesOf(
  request: TargetRequest,
  dockerfile: EvidenceSet['dockerfile'],
  signal: AbortSignal | undefined,
): Promise<EvidenceSet['signatures']> {
  const asked = request.collect.signatures!;
  if (request.source.kind === 'stack') return skipped('a compose stack: its images are targets of their own');
  const file = dockerfile.state === 'collected' ? dockerfile.value : null;
  const stages = new Set(file ? builtStages(file).map((stage) => stage.index) : []);
  // The external images whose bytes ship (FROM, COPY --from), as the build resolves them; one set
  // by a build argument without a value cannot be asked for, and is said to be so on its line.
  const bases = file
    ? file.images
        .filter((use) => stages.has(use.stage))
        .map((use) => ({
          raw: use.raw,
          reference: use.reference,
          unresolved: use.unresolved,
          file: file.path,
          line: use.line,
        }))
    : null;
  return attempt(
    () =>
      verifySignatures({
        roles: asked.roles,
        trust: asked.trust,
        workspace: request.workspace,
        bases,
        // One platform of an image named by reference: the index it resolved to in the plan is what is signed.
        image: request.source.kind === 'image' ? (imagePlatformOf(request)?.pinned ?? request.source.image) : null,
        ...(signal ? { signal } : {}),
      }),
    signal,
  );
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
  if (request.platform && request.platform.name !== request.platform.first)
    return skipped(
      `probed once, on ${request.platform.first}: which steps a change re-runs is the Dockerfile's, the same on every platform`,
    );
  const parsed = valueOf(dockerfile);
  const files = valueOf(context);
  if (!parsed || !files) return skipped('the Dockerfile or the build context could not be read');
  const changed = chooseApplicationFile(parsed, files.files);
  if (!changed) return skipped('the Dockerfile copies no application file from the build context');
  return attempt(() => probeCacheOrdering(engine, { ...build, onStep: undefined }, files, changed, imageId));
}
