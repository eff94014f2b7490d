import { collectComposeEvidence, composeRefusal } from '../evidence/compose.js';
import { resolveBuildInputs } from '../inputs/build-inputs.js';
import { inputLabel, type Options } from '../inputs/resolve.js';
import type { TargetRequest } from '../request.js';
import { UsageError } from '../util/errors.js';
import { repoPath } from '../util/repo-path.js';
import { dockerfileFacts } from './build-identity.js';
import { dedupeTargets } from './dedupe-targets.js';
import { discoverFiles } from './discover.js';
import { draftServiceImages } from './draft-service-images.js';
import { buildDraft, defaultDraft, draftFromSpec, serviceDraft, stackDraft, type Draft } from './draft-targets.js';
import { composeBuildContexts, inferBuildContext } from './infer-context.js';
import { nameTargets, tellApart } from './name-targets.js';
import type { ImageAvailability } from './service-images.js';
import { perPlatform, toRequest, type PlatformsHere } from './target-requests.js';
import { platformList } from '../inputs/platforms.js';
import { attachVulnerabilityReports } from './vulnerability-reports.js';
import { readImagePlatforms, type ImagePlatforms } from '../docker/imagetools.js';
import { isPullable } from '../docker/pull.js';
import { lookUpImagePlatforms, registryImageIsTheEngines, type Lookup } from './image-platforms.js';

// What one run proves, from the user's options: the given targets (or the context's own
// Dockerfile), every Dockerfile found (`discover`), and every compose service that builds an
// image — each built with its own context, Dockerfile, stage and build args. A compose file is
// judged once, by the target that owns it: the context's own when there is one, else a stack
// target of its own. The same build reached twice (a compose service building the context's
// Dockerfile, however its path is written) is one target; a service that only names the image
// another service builds runs that target's image. The services that only name an image are
// proven as images with check-service-images (present, or pulled); every one that is not is
// said once, in the run's notes, with why and how to prove it.
//
// This file puts the plan's steps together, each in a file of its own: the drafts
// (draft-targets.ts, draft-service-images.ts), one per image (dedupe-targets.ts), their names
// (name-targets.ts), the requests (target-requests.ts) and their scanner reports
// (vulnerability-reports.ts).

export interface Plan {
  targets: TargetRequest[];
  /** What the run leaves out and says so (a service image not proven, a profile not active, …). */
  notes: string[];
  /** What the engine runs and builds, when a build of several platforms asked. */
  here?: PlatformsHere;
}

export type { ImageAvailability };

export interface PlanHelpers {
  /** Makes a service's image available (check-service-images): present, or pulled now. Absent in static mode. */
  obtainImage?: (reference: string) => Promise<ImageAvailability>;
  /** What the engine runs natively and its builder builds, for a build of several platforms. Absent in static mode. */
  platformsHere?: () => Promise<PlatformsHere>;
  /**
   * The platforms an image's registry holds for a reference (docker buildx imagetools), for an
   * image proven for several platforms. By default read with imagetools wherever platformsHere is
   * given (the run has an engine); absent there: not read.
   */
  imagePlatforms?: (reference: string) => Promise<ImagePlatforms>;
  /**
   * The digests the engine knows its image of a reference by (ID, RepoDigests), or null when it
   * holds none: an image proven per platform from its registry must be the engine's.
   */
  heldImage?: (reference: string) => Promise<string[] | null>;
}

export async function planTargets(options: Options, helpers: PlanHelpers = {}): Promise<Plan> {
  const { settings, workspace } = options;
  const show = (path: string): string => repoPath(workspace, path);
  const notes: string[] = [];
  // The environment compose would see: the process's, and runtime-env (which fills the stack's variables).
  const compose = collectComposeEvidence({
    workspace,
    contextDir: options.contextDir,
    given: settings.composeFiles,
    env: { ...process.env, ...settings.runtimeEnv },
    envFiles: settings.composeEnvFile,
    exampleEnv: settings.composeEnvExample,
  });
  // A project compose itself refuses would be judged as if it were valid, and could even pass.
  const refusal = compose ? composeRefusal(compose, (name) => inputLabel(name as never, options.surface)) : null;
  if (refusal) throw new UsageError(refusal);
  for (const path of new Set(
    compose?.envFiles.filter((file) => file.standsFor).map((file) => `${file.path} → ${file.standsFor}`),
  ))
    notes.push(`compose-env-example: ${path.replace(' → ', ', the committed example, stands in for the missing ')}`);
  for (const service of compose?.inactive ?? []) {
    notes.push(
      `${service.name}: in profile ${service.profiles.join(', ')}, not active (COMPOSE_PROFILES), so not checked — as compose would not start it`,
    );
  }
  notes.push(...resolveBuildInputs(settings, workspace).notes);
  const drafts: Draft[] = [];

  const explicit = options.targets.map((spec) => draftFromSpec(spec, options));
  drafts.push(...explicit);
  // The context's own: exactly what a run of one target has always proven.
  const own = explicit.length === 0 ? defaultDraft(options) : null;
  if (own) drafts.push(own);
  if (settings.discover) {
    // Named from where the search started: `services/api`, not the whole path from the workspace.
    const fromRoot = (path: string): string => repoPath(options.contextDir, path);
    const found = await discoverFiles(options.contextDir);
    const contexts = composeBuildContexts(found.composeFiles);
    for (const path of found.dockerfiles) {
      // Nothing names the context of a Dockerfile found here: what the repository says, else a guess said to be one.
      const context = inferBuildContext(path, options.contextDir, contexts);
      drafts.push({ ...buildDraft(context.dir, path, null, fromRoot), contextUncertain: context.uncertain });
    }
  }
  if (compose) {
    for (const service of compose.services) {
      const draft = serviceDraft(service, workspace, show, settings.buildArgs);
      if (draft) drafts.push(draft);
    }
  }

  // Each Dockerfile is read once for the whole plan: deduping and naming ask the same of it.
  const read = dockerfileFacts();
  let unique = dedupeTargets(drafts, read);
  if (compose) {
    const images = await draftServiceImages(compose, unique, options, helpers.obtainImage, notes);
    unique = dedupeTargets([...unique, ...images], read);
    const owner = own && unique.includes(own) ? own : null;
    if (owner) owner.compose = compose;
    else unique.unshift(stackDraft(compose, options));
  }
  if (unique.length === 0) throw nothingToProve(options);
  const named = nameTargets(tellApart(unique, read));
  const requests = named.map((draft, index) => toRequest(draft, options, String(index + 1)));
  attachVulnerabilityReports(requests, named, options);
  // An image named by registry reference, for several platforms: its registry is read once per
  // reference, all at once (src/run/image-platforms.ts); where it cannot be, the image is proven
  // as the engine holds it, and the notes say why.
  const images = requests.filter(
    (request) => request.source.kind === 'image' && platformList(request.settings).length > 1,
  );
  const registry = images.some((request) => request.collect.mode === 'full')
    ? (helpers.imagePlatforms ?? (helpers.platformsHere ? readImagePlatforms : null))
    : null;
  const readPlatforms = registry
    ? async (reference: string): Promise<ImagePlatforms> => {
        const [platforms, held] = await Promise.all([registry(reference), helpers.heldImage?.(reference) ?? null]);
        registryImageIsTheEngines(platforms, held);
        return platforms;
      }
    : null;
  const lookups = readPlatforms
    ? await lookUpImagePlatforms(
        images.filter((request) => request.collect.mode === 'full').map(imageOf),
        readPlatforms,
      )
    : new Map<string, Lookup>();
  const platforms = inputLabel('platforms', options.surface);
  for (const request of images) {
    const lookup = lookups.get(imageOf(request));
    if (lookup && !('unread' in lookup)) continue;
    const why = !isPullable(imageOf(request))
      ? 'an image id names one image, not an index'
      : lookup
        ? lookup.unread
        : null;
    notes.push(
      why
        ? `${request.name}: ${platforms} not proven for this image: ${why}; it is proven as the engine holds it, for one platform (the report names which)`
        : `${request.name}: ${platforms} applies to builds; this image is proven as the engine holds it, for one platform (the report names which)`,
    );
  }
  const several = requests.some(
    (request) =>
      platformList(request.settings).length > 1 &&
      (request.source.kind === 'build' || indexOf(lookups, request) !== null),
  );
  const here = several && helpers.platformsHere ? await helpers.platformsHere() : null;
  return {
    targets: requests.flatMap((request) => perPlatform(request, here, indexOf(lookups, request))),
    notes,
    ...(here ? { here } : {}),
  };
}

function imageOf(request: TargetRequest): string {
  return request.source.kind === 'image' ? request.source.image : '';
}

/** The platforms its registry holds for an image target, when read. */
function indexOf(lookups: Map<string, Lookup>, request: TargetRequest): ImagePlatforms | null {
  if (request.source.kind !== 'image') return null;
  const lookup = lookups.get(request.source.image);
  return lookup && !('unread' in lookup) ? lookup : null;
}

function nothingToProve(options: Options): UsageError {
  const label = (name: Parameters<typeof inputLabel>[0]): string => inputLabel(name, options.surface);
  return new UsageError(
    `no Dockerfile and no compose file in context '${repoPath(options.workspace, options.contextDir)}'; give ${label('file')} <path>, ${label('image')} <ref>, ${label('targets')} <paths> or ${label('discover')} true`,
  );
}
