import type { Limits } from '../../docker/throwaway.js';
import type { ListeningSocket } from './listening.js';
import type { WaitRecord } from './waiting-for.js';

// What the throwaway containers showed, as plain records for the checks.

export interface ProcessRecord {
  pid: number;
  uid: number;
  gid: number;
  command: string;
  /** True for the container's PID 1. */
  init: boolean;
  /** The emulator `ps` showed in front of the program (QEMU, Rosetta); absent when it ran natively. */
  emulator?: string;
}

/** listening: a TCP socket in LISTEN state in its network namespace (no HEALTHCHECK, no EXPOSE). */
export type ProbeMethod = 'healthcheck' | 'port' | 'listening' | 'none';

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
  /** Method `listening`: how the socket tables were read (null: they could not be). */
  listeningBy?: string | null;
  /** Method `listening`: the sockets found listening when it became ready. */
  listening?: ListeningSocket[];
  /**
   * A watch for a listening socket that found none and ended early: seconds from the start when
   * the service had used next to no CPU for QUIET_MS (waiting, not starting up; quiet.ts). The
   * watch went on beside the idle window (and to max-startup-seconds when that window read busy).
   */
  quietSeconds?: number;
  /**
   * A reading near its limit was taken again from a fresh start once this run's other work was
   * done (remeasure.ts): both readings, first and second; the record holds the lower of each.
   */
  remeasured?: { readySeconds: (number | null)[]; slowestProbeSeconds: (number | null)[] };
}

export interface ExitRecord {
  exitCode: number;
  oomKilled: boolean;
  afterSeconds: number;
  logTail: string;
  /** What its log says it could not reach (a refused connection, a host that does not resolve). */
  waitingFor?: WaitRecord[];
}

export interface IdleRecord {
  windowSeconds: number;
  samples: number;
  memoryBytesMax: number;
  memoryBytesMedian: number;
  /**
   * CPUs used on average over the window (1.0 = one core busy), each thread that spun through
   * it counted as the whole core it wanted (see threads.ts), within the container's CPU limit.
   */
  cpu: number;
  /** The CPU time the engine counted, as the container got it on this machine. */
  cpuUsed?: number;
  /** Threads runnable through the whole window that never blocked, and the CPU they got; null: not readable here. */
  spinning?: { threads: number; gotCpu: number } | null;
  /**
   * Busy when first sampled, it settled later (start-up work after it became ready, a dev server
   * compiling): how long after it became ready it settled, and the CPU it read while busy. The
   * window above was taken after that. Absent: it was idle when first sampled, or never settled.
   */
  settled?: { afterSeconds: number; busyCpu: number };
  /**
   * The window began inside the quiet span that ended the watch for a listening socket: this long
   * of it (next to no CPU, by the container's cgroup) came before the sampled window, and the CPU
   * figure is the higher of the sampled window's and the whole time's. Absent: no quiet span.
   */
  quietBeforeSeconds?: number;
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
  /**
   * A service that kept running but never became ready: what its log says it could not reach
   * (one that exited has it in `exited`). Absent: not read (evidence recorded before it was).
   */
  waitingFor?: WaitRecord[];
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
  /**
   * It never became ready beside a service that itself took most of that time (remeasure.ts):
   * this record is of a second start, alone; the service's first reading, beside the first one.
   */
  retakenAlone?: { serviceReadySeconds: number };
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
  /**
   * The image is a compose service of the run: whether its measured containers ran in its stack
   * (dependencies up, networks joined, compose environment), or why they ran alone. Absent or
   * null: not a compose service, or runtime-in-stack is off.
   */
  stack?: StackRecord | null;
}

/** What the runtime's measured containers were given, or why they ran alone. */
export interface StackRecord {
  /** `file#service`. */
  service: string;
  /** True when the measured containers ran in the stack (dependencies up, networks joined). */
  inStack: boolean;
  /** Why not, in a sentence (compose's own words where it refused). */
  reason: string | null;
  project: string | null;
  /** The services brought up before it, transitively, in compose's order. */
  dependencies: string[];
  /** How long the dependencies took to be up and healthy. */
  seconds: number | null;
  /**
   * The dependencies that have no health check (none in compose, none in their image): up is all
   * compose could wait for, not healthy. Absent: not read (evidence recorded before it was).
   */
  unchecked?: string[];
  /** The engine networks joined, and the names it answers to on them. */
  networks: string[];
  aliases: string[];
  /** The names of the variables compose gives it (values never recorded: they hold credentials). */
  environment: string[];
}

/** The reason of a service with nothing to bring up: not a failure to say beside its verdicts. */
export const NO_DEPENDENCIES = 'it depends on no other service: run alone with its compose environment';
