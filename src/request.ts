import type { BuildInputs } from './docker/buildx.js';
import type { ComposeEvidence } from './evidence/compose.js';
import type { ConfigIgnore } from './inputs/config-file.js';
import type { CollectionOptions } from './evidence/collection-options.js';
import type { Settings } from './inputs/definitions.js';

// One target as the run proves it: what the plan made of the user's options (src/run/plan.ts,
// each request made in src/run/target-requests.ts), or what a baseline derives from a target
// (src/run/baseline.ts). Internal: users never write one.

/**
 * What the target is, and so what the run does with it (its `kind` is the report's `TargetKind`):
 * a Dockerfile to build; an image that exists (given, a compose service's, or a baseline's), its
 * Dockerfile read when it has one; or a compose project judged as a stack, whose services that
 * build or name an image are targets of their own.
 */
export type TargetSource =
  | {
      kind: 'build';
      /** The stage to build; null for the last one. */
      stage: string | null;
      buildArgs: Record<string, string>;
    }
  | {
      kind: 'image';
      image: string;
      /** The stage of its Dockerfile the image was built from (which lines are its); null for the last one. */
      stage: string | null;
      /** The build args its Dockerfile is read with. */
      buildArgs: Record<string, string>;
      /** The input that named it, for messages (`image`, or `baseline-image` for a Before). */
      input: string;
    }
  | { kind: 'stack' };

export interface TargetRequest {
  /** Unique in the run; reports name the target by it. */
  name: string;
  source: TargetSource;
  /**
   * One platform of an image named by reference, as the plan resolved it from its registry
   * (src/run/image-platforms.ts); only while `source.image` is the image resolved (imagePlatformOf).
   */
  imagePlatform?: ImagePlatform;
  /** Absolute; locations in reports are relative to it. */
  workspace: string;
  /** Absolute build context (for an image: where its Dockerfile is looked for). */
  contextDir: string;
  /** Why the build context is only a guess (a Dockerfile `discover` found that nothing builds), or null. */
  contextUncertain?: string | null;
  /** Absolute Dockerfile, or null (an image checked without one, or a compose stack). */
  dockerfilePath: string | null;
  /**
   * What the checks judge it by: the run's settings with its own values over them (thresholds,
   * expectations). Its stage, image and build args are its `source`; what the collectors do is
   * `collect`.
   */
  settings: Settings;
  /** What the collectors do for it (filled by the plan; lighter for a baseline). */
  collect: CollectionOptions;
  ignores: ConfigIgnore[];
  /** The compose files this target owns (read once, by the plan); null when it owns none. */
  compose: ComposeEvidence | null;
  /** The compose services it builds or runs, as `file#service` (several may build the same). */
  services: string[];
  /** False for a baseline image: the files it was built from are not known. */
  readFiles: boolean;
  /** A baseline image has no Dockerfile to tell its base: the tested image's base layers do. */
  knownBaseLayers: string[];
  /** Keeps its containers, networks and compose project apart from the other targets' (`2`, `2b`). */
  scope: string;
  /** Absolute paths of the scanner's reports on this image and on its baseline, when given. */
  vulnerabilityReports: { current: string | null; baseline: string | null };
  /**
   * Its build inputs (secrets, cache, build contexts…), checked, with paths made absolute from
   * the run's workspace; every build of the target gets them. Absent: none.
   */
  buildInputs?: BuildInputs;
  /**
   * One platform of a build proven for several (`platforms`): its own, the first of them (the one
   * the cache probe and the compose files are judged on), and the target's name without the
   * platform. Absent: the run's single platform.
   */
  platform?: {
    name: string;
    first: string;
    of: string;
    /** The platform whose target judges the compose files (the principal), when the target owns any. */
    composeOn?: string;
  };
}

/** What a target of one platform of an image named by reference is, as the plan resolved it. */
export interface ImagePlatform {
  /** The reference as given (`ghcr.io/org/app:1.4`): the index its attestations and signatures are read from. */
  given: string;
  /**
   * The reference given, pinned to the digest it resolved to when the plan read it
   * (`repo@sha256:…`): where its attestations and signatures are read, so they are the proven
   * index's even if the tag has moved since.
   */
  pinned: string;
  /** The platform's manifest digest; null where the reference has no image of the platform. */
  digest: string | null;
  /** Why the platform is not proven (the reference has no image of it), or null. */
  refused: string | null;
  /** What the target's source names: its platform's image pinned (`repo@sha256:…`); refused, the reference given. */
  image: string;
}
