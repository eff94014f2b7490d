// The report contract (docs/report.schema.json): categories, check results, metrics. Users' scripts parse the
// JSON report, so names here are stable; extend, never rename.

export const CATEGORIES = [
  'build',
  'cache',
  'size',
  'layers',
  'user',
  'tools',
  'health',
  'startup',
  'memory',
  'cpu',
  'shutdown',
  'init',
  'labels',
  'secrets',
  'filesystem',
  'dockerfile',
  'dockerignore',
  'compose',
  'vulnerabilities',
  'supply',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['error', 'warning', 'notice'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `skip`: deliberately not run, with the reason. `error`: could not run (infrastructure). */
export type Status = 'pass' | 'fail' | 'skip' | 'error';

export interface Location {
  /** Repository-relative path, forward slashes. */
  file: string;
  line?: number;
  endLine?: number;
}

export interface CheckResult {
  id: string;
  category: Category;
  severity: Severity;
  status: Status;
  title: string;
  /** What was seen, with the numbers. */
  message: string;
  measured?: unknown;
  target?: unknown;
  location?: Location;
  remediation?: string;
  /** The CIS Docker Benchmark v1.6.0 recommendations this result is about (`4.1`, `5.26`). */
  cis?: string[];
}

export type CisStatus = 'met' | 'not-met' | 'error' | 'not-judged' | 'outside';

/** One CIS Docker Benchmark v1.6.0 recommendation, as the run's checks judged it (src/cis.ts). */
export interface CisCoverage {
  id: string;
  section: 'image' | 'runtime';
  title: string;
  status: CisStatus;
  /** The check ids that judged it (the failed ones, when not met). */
  checks: string[];
  /** How far the checks go, why it was not judged here, or why no check can prove it. */
  note: string | null;
}

/** Every figure the checks measured; null where not measured. */
export interface Metrics {
  buildSeconds: number | null;
  /** Steps of the measured build, and how many of them came from the cache. */
  buildSteps: number | null;
  buildCachedSteps: number | null;
  cachedBuildSeconds: number | null;
  /** Unpacked: the bytes of the image's layers' files, measured the same way on every image store. */
  imageSizeBytes: number | null;
  /** Compressed, what a pull transfers; null where not measured (see ImageSizeRecord). */
  compressedSizeBytes: number | null;
  layers: number | null;
  startupSeconds: number | null;
  idleMemoryBytes: number | null;
  idleCpu: number | null;
  stopSeconds: number | null;
  stopExitCode: number | null;
  /** The measured UID/GID of the running service (else of the configured USER). */
  runUid: number | null;
  runGid: number | null;
  /** The command of the running container's PID 1. */
  pid1: string | null;
  /** The image's bytes by component (the production checklist's size table); null without filesystem evidence. */
  sizeBreakdown: SizeBreakdown | null;
  healthInterval: number | null;
  healthTimeout: number | null;
  healthStartPeriod: number | null;
  /** Docker ≥ 25 only: how often the check runs during the start period. */
  healthStartInterval: number | null;
  healthRetries: number | null;
  /** From the scanner's report (vulnerability-report); null without one. */
  vulnerabilities: VulnerabilityCounts | null;
  /**
   * Figures measured under emulation (an image of another architecture than the engine host's),
   * each as `linux/arm64 on this amd64 host, by QEMU`: the build's times, and the runtime's
   * (startup, idle memory and CPU, stop). Emulation only makes them worse. Absent: measured natively.
   */
  emulated?: { build: string | null; runtime: string | null };
}

/** Vulnerabilities by severity, and how many of the critical and high ones have a fix available. */
export interface VulnerabilityCounts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  unknown: number;
  fixableCritical: number;
  fixableHigh: number;
}

export function emptyMetrics(): Metrics {
  return {
    buildSeconds: null,
    buildSteps: null,
    buildCachedSteps: null,
    cachedBuildSeconds: null,
    imageSizeBytes: null,
    compressedSizeBytes: null,
    layers: null,
    startupSeconds: null,
    idleMemoryBytes: null,
    idleCpu: null,
    stopSeconds: null,
    stopExitCode: null,
    runUid: null,
    runGid: null,
    pid1: null,
    sizeBreakdown: null,
    healthInterval: null,
    healthTimeout: null,
    healthStartPeriod: null,
    healthStartInterval: null,
    healthRetries: null,
    vulnerabilities: null,
  };
}

/** What one target is: a build (context, Dockerfile, stage), a built image, or a compose stack. */
export type TargetKind = 'build' | 'image' | 'stack';

export interface Target {
  context: string | null;
  dockerfile: string | null;
  image: string | null;
  imageId: string | null;
  /** The stage built (`target` input, or a compose service's `build.target`); null: the last. */
  stage?: string | null;
  /** The compose services this target builds or runs, as `file#service`. */
  services?: string[];
  /** `name@sha256:…` of the registries the engine knows the image from (an image pulled by reference). */
  repoDigests?: string[];
  /**
   * The platform proven: the image's own (`linux/arm64`, `linux/arm/v7`) once inspected; for a
   * platform of `platforms` whose image was not had (not buildable here, a failed build), the one
   * asked for. Absent: no image.
   */
  platform?: string;
}

/** What the tables are made of: measured figures and the checks that judged them (a target, or its baseline). */
export interface Judged {
  metrics: Metrics;
  checks: CheckResult[];
}

/** The Before of a target: the same checks on its baseline (an image, or the target at a git ref). */
export interface BaselineReport {
  /** How the summary names it: the ref, or the image reference. */
  label: string;
  metrics: Metrics;
  checks: CheckResult[];
  /** Set when the baseline has no such target (new in this change): there is no Before. */
  absent?: string;
}

/** One target's verdict, measurements and checks. */
export interface TargetReport {
  /** Unique in the run: `examples/hardened`, `api`, `docker-compose.yml#worker`. */
  name: string;
  kind: TargetKind;
  target: Target;
  /** The engine it was built and run on; null in static mode. */
  engine: EngineRecord | null;
  passed: boolean;
  metrics: Metrics;
  checks: CheckResult[];
  baseline: BaselineReport | null;
  /** Seconds spent per phase for this target (build, inspect, …): where the time went. */
  timings: Record<string, number>;
  /** The Kubernetes securityContext that matches what was measured; null where the image was not run. */
  securityContext?: SecurityContextProposal | null;
  /**
   * One platform of a build proven for several (`platforms`): the target's name without the
   * platform, the same for each of its platforms. Absent: the run's single platform.
   */
  platformOf?: string;
}

/** A Pod's securityContext from measurements: the running UID/GID, and what the hardened run proved. */
export interface SecurityContextProposal {
  runAsUser: number;
  runAsGroup: number;
  /** Read-only root, every capability dropped and no-new-privileges, proven by the hardened run. */
  hardened: boolean;
  /** Why the hardened settings are left out, when they are. */
  notProven: string | null;
  /** The paths the hardened run mounted a tmpfs on: an emptyDir each, in a Pod. */
  writablePaths: string[];
}

/**
 * The report of a run: one verdict over one or more targets (docs/report.schema.json).
 * Version 2 added `targets`. The version 1 fields stay: for a run of one target they are that
 * target's, exactly as version 1 wrote them; for several, `target` and `metrics` are null,
 * `checks` holds every target's checks (each naming its target in `targetName`), and `baseline`
 * and `baselineLabel` are null. Version 3 added the platforms of a build proven for several
 * (`platforms`): `target.platform`, `platformOf` and `metrics.emulated`, all optional; a report
 * of version 2 is one of version 3 without them.
 */
export interface Report {
  schemaVersion: 3;
  tool: { name: string; version: string };
  /** The engine of the run; null in static mode (each target names its own too). */
  engine: EngineRecord | null;
  target: Target | null;
  passed: boolean;
  failOn: FailOn;
  metrics: Metrics | null;
  checks: ReportedCheck[];
  baseline: Metrics | null;
  /** What the baseline was (a ref or an image), when there is one. */
  baselineLabel: string | null;
  /** Seconds spent per phase of the run: where the time went. */
  timings: Record<string, number>;
  targets: TargetReport[];
  /** The CIS Docker Benchmark v1.6.0 image and runtime recommendations, as this run's checks judged them. */
  cis: CisCoverage[];
  /** What the run could not cover and says so (a compose service's image not present, …). */
  notes: string[];
  /** The proven image pushed as the user's tags (`push: true`); absent when not asked. */
  push?: PushRecord;
}

/**
 * `pushed`: every tag pushed; `withheld`: not pushed by rule (the verdict failed, a fork's pull
 * request); `failed`: the verdict passed and the image could not be pushed (the registry refused
 * it, several targets): the run exits 2 (tags before it may be pushed: `pushed` says which).
 */
export interface PushRecord {
  outcome: 'pushed' | 'withheld' | 'failed';
  tags: string[];
  /** The image that was proven (and pushed). */
  imageId: string | null;
  /** The registry's manifest digest of the image as the first tag was pushed (the `digest` output). */
  digest: string | null;
  /** Each tag pushed, with the digest its registry gave (overlay2 compresses per push: registries may differ). */
  pushed: { tag: string; digest: string }[];
  reason: string | null;
}

/** A check of the run's flat list: in a report of several targets, it names its target. */
export interface ReportedCheck extends CheckResult {
  targetName?: string;
}

export type FailOn = 'error' | 'warning' | 'never';

/** The image's bytes by component: where each file lives and which layer put it there. */
export interface SizeBreakdown {
  /** Null when the base cannot be told from the image's own layers (an image checked without its Dockerfile). */
  baseImageBytes: number | null;
  systemPackagesBytes: number;
  buildToolsBytes: number;
  languagePackagesBytes: number;
  applicationCodeBytes: number;
  /** Bytes of own layers that a later layer deleted or replaced: invisible, but still shipped. */
  shadowedBytes: number;
}

// Which engine gave the evidence (`evidence/engine.ts` describes it). Verdicts can depend on it (the
// image store decides what the engine's own size figure means; Engine 20.10 has no health check
// start interval), and a report read later must say where it was measured.

export interface EngineRecord {
  /** The engine's version, as it reports it: `28.5.2`, `20.10.24+dfsg1`. */
  version: string;
  apiVersion: string;
  os: string;
  architecture: string;
  /** `overlay2`, or the snapshotter's name on the containerd store (`overlayfs`). */
  storageDriver: string;
  /** Where images live: the engine's own graph driver store, or containerd's image store. */
  /** `containerd`, or the graph driver's name (`overlay2`) where the engine keeps images itself. */
  imageStore: string;
  cgroupVersion: string | null;
  /** Version of the buildx plugin that builds; null when it is not installed. */
  buildx: string | null;
  /**
   * API ≥ 1.44 (Engine 25): health checks have a start interval (5 s by default) during the
   * start period. Before, the first check runs one full interval after start (30 s by default).
   */
  healthStartInterval: boolean;
}

/** An ignore of the configuration file (`ignores:`), as `inputs/config-file.ts` reads it. */
export interface ConfigIgnore {
  id: string;
  path?: string;
  reason: string;
  /** YYYY-MM-DD: the last day the ignore applies. */
  until?: string;
  /** `file:line`, for messages. */
  source: string;
}
