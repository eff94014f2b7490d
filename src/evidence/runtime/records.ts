import type { Limits } from '../../docker/throwaway.js';

// What the throwaway containers showed, as plain records for the checks.

export interface ProcessRecord {
  pid: number;
  uid: number;
  gid: number;
  command: string;
  /** True for the container's PID 1. */
  init: boolean;
}

export type ProbeMethod = 'healthcheck' | 'port' | 'none';

export interface ReadinessRecord {
  method: ProbeMethod;
  /** The health probe as run (argv), or the port probed. */
  probe: string[] | null;
  port: number | null;
  /** Seconds from the start request until the probe first passed; null when it never did. */
  readySeconds: number | null;
  attempts: number;
  /** How each attempt took, in seconds (compared with the HEALTHCHECK timeout). */
  attemptSeconds: number[];
  lastExitCode: number | null;
  lastOutput: string;
  outcome: 'ready' | 'exited' | 'timeout' | 'probe-broken' | 'not-probed';
  waitedSeconds: number;
}

export interface ExitRecord {
  exitCode: number;
  oomKilled: boolean;
  afterSeconds: number;
  logTail: string;
}

export interface IdleRecord {
  windowSeconds: number;
  samples: number;
  memoryBytesMax: number;
  memoryBytesMedian: number;
  /** CPUs used on average over the window (1.0 = one core busy). */
  cpu: number;
}

export interface StopRecord {
  seconds: number;
  exitCode: number;
  timeoutSeconds: number;
  signal: string;
}

export interface ServiceRecord {
  readiness: ReadinessRecord;
  exited: ExitRecord | null;
  processes: ProcessRecord[] | null;
  idle: IdleRecord | null;
  stop: StopRecord | null;
  logTail: string;
}

export interface IdentityRecord {
  uid: number | null;
  gid: number | null;
  /** processes: `docker top` of the running service; id: an `id` container; passwd: the image's files. */
  method: 'processes' | 'id' | 'passwd';
  detail: string;
}

export interface DownProbeRecord {
  probe: string[];
  exitCode: number | null;
  timedOut: boolean;
  seconds: number;
  output: string;
  /** The probe could not even start (binary missing…). */
  error: string | null;
}

export interface HardenedRunRecord {
  readiness: ReadinessRecord;
  exited: ExitRecord | null;
  tmpfs: string[];
  logTail: string;
}

export interface RuntimeEvidence {
  network: string;
  limits: Limits;
  service: ServiceRecord;
  identity: IdentityRecord;
  /** Null when the image has no HEALTHCHECK. */
  downProbe: DownProbeRecord | null;
  /** Null when hardened-run is off. */
  hardened: HardenedRunRecord | null;
}
