import type { Engine } from '../docker/engine.js';
import { execIn } from '../docker/exec.js';
import type { Throwaways } from '../docker/throwaway.js';
import { errorMessage } from '../util/errors.js';
import { round } from '../util/format.js';
import { healthArgv } from './image.js';

// Crash recovery, measured on the running stack: each service's main process is killed the way a
// crash ends it — SIGKILL to the container's PID 1, sent from a helper in the host's process
// namespace, not through the engine (`docker kill` marks the container as stopped by hand, and
// `unless-stopped` then rightly leaves it down) — and then the engine is watched: does its restart
// policy bring the container back, and how soon does its health check pass again, run as Docker
// runs it (the container's own probe, exec'd in it), not after Docker's next interval. One service
// at a time, so a verdict is about that service alone; one its policy leaves down is started again
// before the next, so the next is not judged on a missing dependency.

export type RecoveryOutcome =
  /** Restarted by the engine, and its health check (or, without one, the container) is up again. */
  | 'recovered'
  /** Still down when the policy would have restarted it, or its policy never restarts it. */
  | 'not restarted'
  /** Restarted, but its health check did not pass again within the limit. */
  | 'not healthy again'
  /** Exited 0 before the kill: a one-shot service, done by design. */
  | 'one-shot'
  /** Not running before the kill (exited with an error, or never started): nothing to prove. */
  | 'not running'
  /** The kill could not be sent. */
  | 'not killed';

export interface CrashRecovery {
  service: string;
  /** The restart policy the engine applied (`no` when none). */
  policy: string;
  outcome: RecoveryOutcome;
  /** Seconds from the kill to the container running again. */
  restartedAfter: number | null;
  /** Seconds from the kill to its health check passing again (or running again, without one). */
  healthyAfter: number | null;
  /** What "up again" was measured by. */
  measuredBy: 'health check' | 'running';
  /** How long it was given: what Docker allows a started container before calling it unhealthy. */
  limitSeconds: number;
  detail: string;
}

/** Without a health check, how long a restart may take; with one, the floor of its own limit. */
const RESTART_SECONDS = 10;
/** How long a container whose policy never restarts it is watched after the kill. */
const OBSERVE_NO_POLICY_SECONDS = 3;
const POLL_MS = 100;
/** How long a restarted service without a health check must stay running to count as back. */
const SETTLE_SECONDS = 3;
const NS = 1e9;

interface Inspected {
  State: { Running: boolean; Pid: number; StartedAt: string; ExitCode: number; Status: string };
  RestartCount?: number;
  HostConfig: { RestartPolicy?: { Name?: string } };
  Config: {
    Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
  };
}

export interface CrashRecoveryOptions {
  engine: Engine;
  /** Made by the caller for the run's helpers (removed by it). */
  throwaways: Throwaways;
  helperImage: string;
  containers: { id: string; service: string }[];
  info?: (message: string) => void;
  signal?: AbortSignal;
}

export async function proveCrashRecovery(options: CrashRecoveryOptions): Promise<CrashRecovery[]> {
  const results: CrashRecovery[] = [];
  for (const { id, service } of options.containers) {
    options.signal?.throwIfAborted();
    results.push(await recoverOne(options, id, service));
  }
  return results;
}

async function recoverOne(options: CrashRecoveryOptions, id: string, service: string): Promise<CrashRecovery> {
  const container = options.engine.getContainer(id);
  const before = (await container.inspect()) as unknown as Inspected;
  const policy = before.HostConfig.RestartPolicy?.Name || 'no';
  const health = before.Config.Healthcheck;
  const argv = health?.Test ? healthArgv(health.Test) : null;
  const limitSeconds = argv ? healthLimit(health!) : RESTART_SECONDS;
  const base = {
    service,
    policy,
    restartedAfter: null,
    healthyAfter: null,
    measuredBy: argv ? ('health check' as const) : ('running' as const),
    limitSeconds,
  };
  if (!before.State.Running)
    return before.State.ExitCode === 0
      ? { ...base, outcome: 'one-shot', detail: 'exited 0 before the kill: done by design' }
      : {
          ...base,
          outcome: 'not running',
          detail: `${before.State.Status} (exit ${before.State.ExitCode}) before the kill`,
        };

  const killed = await killFromOutside(options, before.State.Pid);
  if (killed) return { ...base, outcome: 'not killed', detail: killed };
  const killedAt = performance.now();
  options.info?.(
    `crash recovery: killed ${service} (SIGKILL to its PID 1), waiting for it to come back (restart ${policy}, limit ${policy === 'no' ? OBSERVE_NO_POLICY_SECONDS : limitSeconds} s)`,
  );
  const since = (): number => round((performance.now() - killedAt) / 1000);

  // Back when it runs again with a new start time: the engine restarted it.
  const watchFor = policy === 'no' ? OBSERVE_NO_POLICY_SECONDS : limitSeconds;
  let restartedAfter: number | null = null;
  while (since() < watchFor) {
    options.signal?.throwIfAborted();
    const now = (await container.inspect()) as unknown as Inspected;
    if (now.State.Running && now.State.StartedAt !== before.State.StartedAt) {
      restartedAfter = since();
      break;
    }
    await sleep(POLL_MS);
  }
  if (restartedAfter === null) {
    // Started again by hand, so the services proven after it are not judged without it.
    await container.start().catch(() => undefined);
    if (argv) await probeUntil(container, argv, health!, limitSeconds, options.signal);
    return {
      ...base,
      outcome: 'not restarted',
      detail:
        policy === 'no'
          ? `still down ${watchFor} s after the kill: it has no restart policy`
          : `still down ${watchFor} s after the kill, with restart policy ${policy}`,
    };
  }
  if (!argv) {
    // Without a probe, running is all there is to ask: it must stay running, not exit again at
    // once (a stale pid file) and come back in a loop.
    const steady = await staysRunning(container, SETTLE_SECONDS, options.signal);
    return steady
      ? { ...base, outcome: 'recovered', restartedAfter, healthyAfter: restartedAfter, detail: 'running again' }
      : {
          ...base,
          outcome: 'not healthy again',
          restartedAfter,
          detail: `restarted, and did not stay running for ${SETTLE_SECONDS} s (no health check to ask)`,
        };
  }
  const passed = await probeUntil(container, argv, health!, limitSeconds - since(), options.signal);
  return passed
    ? { ...base, outcome: 'recovered', restartedAfter, healthyAfter: since(), detail: 'its health check passes again' }
    : {
        ...base,
        outcome: 'not healthy again',
        restartedAfter,
        detail: `restarted, and its health check did not pass again within ${limitSeconds} s of the kill`,
      };
}

/**
 * What Docker gives a started container before it reports it unhealthy: its start period, then
 * `retries` failed probes an interval apart, the last one timing out. Never under RESTART_SECONDS.
 */
export function healthLimit(health: NonNullable<Inspected['Config']['Healthcheck']>): number {
  const interval = (health.Interval || 30 * NS) / NS;
  const timeout = (health.Timeout || 30 * NS) / NS;
  const retries = health.Retries || 3;
  const startPeriod = (health.StartPeriod || 0) / NS;
  return Math.max(RESTART_SECONDS, Math.ceil(startPeriod + interval * retries + timeout));
}

/** The SIGKILL, from a helper that sees the host's processes; null when sent, else why not. */
async function killFromOutside(options: CrashRecoveryOptions, pid: number): Promise<string | null> {
  if (!(pid > 0)) return 'the engine gave no process id for it';
  const refused = (error: unknown): string =>
    `the helper could not send it (${errorMessage(error).split('\n')[0]}): an engine that maps users refuses --pid host, and helper-image needs \`kill\``;
  let helper;
  try {
    helper = await options.throwaways.create({
      role: 'crash',
      image: options.helperImage,
      entrypoint: ['kill', '-KILL', String(pid)],
      network: 'none',
      limits: { memoryBytes: 64 * 1024 ** 2, nanoCpus: 0.5e9, pids: 16 },
      pidMode: 'host',
    });
  } catch (error) {
    return refused(error);
  }
  try {
    await helper.start();
    const { StatusCode } = (await helper.wait()) as { StatusCode: number };
    return StatusCode === 0
      ? null
      : `the helper's kill -KILL ${pid} exited ${StatusCode} (an engine that maps users or refuses --pid host cannot be crashed from outside)`;
  } catch (error) {
    return refused(error);
  } finally {
    await options.throwaways.remove(helper);
  }
}

/** Whether it stays running, with the same start, for `seconds`. */
async function staysRunning(
  container: ReturnType<Engine['getContainer']>,
  seconds: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const first = (await container.inspect()) as unknown as Inspected;
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    signal?.throwIfAborted();
    await sleep(250);
    const now = (await container.inspect()) as unknown as Inspected;
    if (!now.State.Running || now.State.StartedAt !== first.State.StartedAt) return false;
  }
  return first.State.Running;
}

/** Runs the probe as Docker does until it passes; false when it has not within `seconds`. */
async function probeUntil(
  container: ReturnType<Engine['getContainer']>,
  argv: string[],
  health: NonNullable<Inspected['Config']['Healthcheck']>,
  seconds: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = performance.now() + seconds * 1000;
  const timeoutMs = (health.Timeout || 30 * NS) / 1e6;
  while (performance.now() < deadline) {
    signal?.throwIfAborted();
    const result = await execIn(container, argv, Math.min(timeoutMs, Math.max(deadline - performance.now(), 100)));
    if (result.exitCode === 0) return true;
    await sleep(250);
  }
  return false;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
