import type { CollectionOptions } from '../evidence/collection-options.js';
import { resolveBuildInputs } from '../inputs/build-inputs.js';
import type { Settings } from '../inputs/definitions.js';
import { platformList, platformsProblem } from '../inputs/platforms.js';
import { builderBuilds } from '../docker/buildx.js';
import { inputLabel, parseSettings, signatureProblem, type Options } from '../inputs/resolve.js';
import { UsageError } from '../util/errors.js';
import type { TargetRequest, TargetSource } from '../request.js';
import type { Draft } from './draft-targets.js';
import type { SignatureRole } from '../evidence/signatures.js';
import type { ImagePlatforms } from '../docker/imagetools.js';
import { platformImage, resolvePlatform } from './image-platforms.js';

// A named draft as the TargetRequest the run proves: what it is (its source), what the checks
// judge it by (its settings) and what the collectors do for it (its collection options).

export function toRequest(draft: Draft, options: Options, scope: string): TargetRequest {
  // The target's own values over the run's: the thresholds and expectations it sets.
  const settings = parseSettings({ ...options.raw, ...draft.inputs });
  // The run's signature inputs were checked as it resolved; a target's own (its `targets:` entry) here.
  const signatures = signatureProblem(settings, options.surface, options.workspace);
  if (signatures) throw new UsageError(`target ${draft.name!}: ${signatures}`);
  const platforms = platformsProblem(settings, (name) => inputLabel(name, options.surface));
  if (platforms) throw new UsageError(`target ${draft.name!}: ${platforms}`);
  return {
    name: draft.name!,
    source: sourceOf(draft),
    workspace: options.workspace,
    contextDir: draft.contextDir,
    dockerfilePath: draft.dockerfilePath,
    settings,
    collect: collectionOptions(settings),
    ignores: options.ignores,
    compose: draft.compose,
    services: draft.services,
    readFiles: true,
    knownBaseLayers: [],
    contextUncertain: draft.contextUncertain ?? null,
    scope,
    vulnerabilityReports: { current: null, baseline: null },
    buildInputs: resolveBuildInputs(settings, options.workspace).inputs,
  };
}

/**
 * A build proven for several platforms is one target per platform, each built, run and judged on
 * its own, named `<target> (<platform>)`. What is the Dockerfile's rather than a platform's is done
 * once, on the principal platform (principalPlatform, proven first): the cache probe (which steps a
 * change re-runs) and the compose files. Every platform keeps the target's compose services, so
 * each is run in its stack. An image named by registry reference (`image:`) is too, when its
 * registry was read (`images`, src/run/image-platforms.ts): each platform's target is that
 * platform's image, pinned by digest, and a platform the reference has no image of is not proven.
 * Without it (an image id, a registry that did not answer, static mode) the image is proven as
 * the engine holds it: one platform.
 */
export function perPlatform(
  request: TargetRequest,
  here: PlatformsHere | null = null,
  images: ImagePlatforms | null = null,
): TargetRequest[] {
  const given = platformList(request.settings);
  const source = request.source;
  if (source.kind === 'image' && (!images || given.length < 2)) return [request];
  if (source.kind === 'stack') return [request];
  if (given.length === 1) {
    const settings = { ...request.settings, platform: given[0] };
    return [{ ...request, settings, collect: collectionOptions(settings) }];
  }
  if (given.length === 0) return [request];
  // An image's principal: the engine's own platform if the reference has it, else the first it has.
  const native = here && images && platformImage(images, here.native) ? here.native : '';
  const principal = principalPlatform(
    given,
    // The platforms asked that the reference has an image of, as resolvePlatform matches them.
    images ? { native, buildable: given.filter((platform) => platformImage(images, platform) !== null) } : here,
  );
  const list = [principal, ...given.filter((platform) => platform !== principal)];
  return list.map((platform, index) => {
    const settings = { ...request.settings, platform, platforms: [platform] };
    const one: TargetRequest = {
      ...request,
      name: `${request.name} (${platform})`,
      settings,
      collect: collectionOptions(settings),
      compose: index === 0 ? request.compose : null,
      // Apart from the other targets' (`1`, `2`) and baselines' (`1b`): `1-linux-arm64`.
      scope: `${request.scope}-${platform.replaceAll('/', '-')}`,
      platform: {
        name: platform,
        first: list[0],
        of: request.name,
        ...(request.compose ? { composeOn: list[0] } : {}),
      },
    };
    if (source.kind !== 'image' || !images) return one;
    const imagePlatform = resolvePlatform(images, platform);
    // Not proven, so not run: no platform of its own for the run to count as emulated.
    const collect = imagePlatform.refused ? { ...one.collect, platform: '' } : one.collect;
    return { ...one, collect, source: { ...source, image: imagePlatform.image }, imagePlatform };
  });
}

/** What this engine runs natively (`linux/amd64`) and what its builder can build (docker buildx inspect). */
export interface PlatformsHere {
  native: string;
  buildable: string[];
}

/**
 * The platform that stands for the build where one is enough (the cache probe, the compose files,
 * the stack's image, the scanner's report): the one this engine runs natively, else the first the
 * builder can build, else the first given. Proven first.
 */
export function principalPlatform(given: string[], here: PlatformsHere | null): string {
  if (!here) return given[0];
  const buildable = (platform: string): boolean => builderBuilds(here.buildable, platform);
  return given.find((platform) => platform === here.native) ?? given.find(buildable) ?? given[0];
}

/** What the draft is; its stage and image read as the inputs' text is (trimmed, '' for none). */
function sourceOf(draft: Draft): TargetSource {
  const stage = (draft.stage ?? '').trim() || null;
  if (draft.kind === 'stack') return { kind: 'stack' };
  if (draft.kind === 'image')
    return { kind: 'image', image: (draft.image ?? '').trim(), stage, buildArgs: draft.buildArgs, input: 'image' };
  return { kind: 'build', stage, buildArgs: draft.buildArgs };
}

/**
 * What the collectors do for a target, from its settings. The numbers a threshold also sets are
 * computed here, once, and named for what the collector does with them.
 */
export function collectionOptions(settings: Settings): CollectionOptions {
  return {
    mode: settings.mode,
    noCache: settings.noCache,
    platform: settings.platform,
    builder: settings.builder,
    cacheProbe: settings.cacheProbe,
    composeUp: settings.composeUp,
    measureCompressedSize: settings.maxCompressedSizeMb !== null,
    attestations: settings.checkAttestations,
    signatures:
      settings.verifySignature.length > 0
        ? {
            roles: settings.verifySignature.filter(
              (role): role is SignatureRole => role === 'base' || role === 'image',
            ),
            trust: {
              key: settings.signatureKey,
              identity: settings.signatureIdentity,
              issuer: settings.signatureIssuer,
              tlog: settings.signatureTlog,
            },
          }
        : null,
    runtime: {
      hardenedRun: settings.hardenedRun,
      memoryMb: settings.runtimeMemoryMb,
      cpus: settings.runtimeCpus,
      network: settings.runtimeNetwork,
      env: settings.runtimeEnv,
      inStack: settings.runtimeInStack,
      composeUpTimeoutSeconds: settings.composeUpTimeoutSeconds,
      readyTimeoutSeconds: settings.readyTimeoutSeconds,
      idleSeconds: settings.idleSeconds,
      writableDirs: settings.writableDirs,
      startupLimitSeconds: settings.maxStartupSeconds,
      stopTimeoutSeconds: Math.ceil(settings.maxStopSeconds) + 1,
      recheckIdleCpuAbove: settings.maxIdleCpu / 2,
    },
  };
}
