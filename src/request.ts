import type { BuildInputs } from './docker/buildx.js';
import type { ComposeEvidence } from './evidence/compose.js';
import type { ConfigIgnore } from './inputs/config-file.js';
import type { Settings } from './inputs/definitions.js';
import type { TargetKind } from './model.js';

// One target as the run proves it: what the plan made of the user's options (src/run/plan.ts), or
// what a baseline derives from a target (src/run/baseline.ts). Internal: users never write one.

export interface TargetRequest {
  /** Unique in the run; reports name the target by it. */
  name: string;
  kind: TargetKind;
  /** Absolute; locations in reports are relative to it. */
  workspace: string;
  /** Absolute build context (for an image: where its Dockerfile is looked for). */
  contextDir: string;
  /** Why the build context is only a guess (a Dockerfile `discover` found that nothing builds), or null. */
  contextUncertain?: string | null;
  /** Absolute Dockerfile, or null (an image checked without one, or a compose stack). */
  dockerfilePath: string | null;
  /**
   * This target's settings: the run's, with its own values over them — its stage (`target`),
   * build args, image, thresholds and expectations.
   */
  settings: Settings;
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
  /** The input that named its image, for messages (`image`, or `baseline-image` for a Before). */
  imageInput?: string;
  /** Absolute paths of the scanner's reports on this image and on its baseline, when given. */
  vulnerabilityReports: { current: string | null; baseline: string | null };
  /**
   * Its build inputs (secrets, cache, build contexts…), checked, with paths made absolute from
   * the run's workspace; every build of the target gets them. Absent: none.
   */
  buildInputs?: BuildInputs;
}
