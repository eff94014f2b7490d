import type { Settings } from '../inputs/definitions.js';
import type { SignatureRole, SignatureTrust } from './signatures.js';

// What the collectors are told to do for one target, filled by the plan (src/run/target-requests.ts)
// and made lighter for a baseline (src/run/baseline.ts): what to build with, which costly extras to
// run, how to run the image. Thresholds never come here: the checks judge them. Where a collector
// needs a number that a threshold also sets, it gets it as a named option below, and the comment
// says why.

export interface CollectionOptions {
  /** `static`: the files only; `full`: built (or pulled), inspected and run. */
  mode: Settings['mode'];
  /** Builds without the cache (said in the build evidence). */
  noCache: boolean;
  /** The platform to build for; '' for the builder's own. */
  platform: Settings['platform'];
  /** The buildx builder; '' for the default one. */
  builder: Settings['builder'];
  /** The cache probe: a rebuild with one application file edited. */
  cacheProbe: boolean;
  /** The compose stack is brought up by the run (here only to say why it was not). */
  composeUp: boolean;
  /**
   * Whether the compressed size is measured (a second pass over the layers): only when
   * max-compressed-size-mb is set, the one check that reads it.
   */
  measureCompressedSize: boolean;
  /** What cosign verifies, and whom it trusts (verify-signature); null: nothing (and never for a baseline). */
  signatures: { roles: SignatureRole[]; trust: SignatureTrust } | null;
  /** Read the image's attestations from its registry (check-attestations; never for a baseline). */
  attestations: boolean;
  runtime: RuntimeOptions;
}

/** How the image is run (src/evidence/runtime/run-image.ts). */
export interface RuntimeOptions {
  /** The hardened run: read-only root, no capabilities, no-new-privileges. */
  hardenedRun: boolean;
  memoryMb: Settings['runtimeMemoryMb'];
  cpus: Settings['runtimeCpus'];
  network: Settings['runtimeNetwork'];
  env: Settings['runtimeEnv'];
  /** Run in its compose stack when it is a service of the run's compose project (runtime-in-stack). */
  inStack: boolean;
  /** How long its stack's dependencies may take to come up. */
  composeUpTimeoutSeconds: Settings['composeUpTimeoutSeconds'];
  /** How long readiness is waited for (ready-timeout-seconds; the startup check says it in its message too). */
  readyTimeoutSeconds: Settings['readyTimeoutSeconds'];
  /** The idle window the service is sampled in (idle-seconds). */
  idleSeconds: Settings['idleSeconds'];
  /** Given a tmpfs in the hardened run (writable-dirs; the filesystem checks expect them writable). */
  writableDirs: Settings['writableDirs'];
  /**
   * max-startup-seconds: a listening socket is watched for no longer (one later would fail the
   * startup check anyway), and a startup near it is taken again, alone (the lower counts).
   */
  startupLimitSeconds: Settings['maxStartupSeconds'];
  /**
   * How long `docker stop` is given: one second past max-stop-seconds, which tells "killed"
   * (waiting longer would prove nothing more).
   */
  stopTimeoutSeconds: number;
  /**
   * Idle CPU above this (half of max-idle-cpu) is sampled again once the other containers are
   * quiet: start-up work is not idle cost.
   */
  recheckIdleCpuAbove: number;
}
