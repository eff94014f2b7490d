import type { Container } from '../../docker/engine.js';
import { lastLogLines, logTail, WAIT_LOG_LINES } from '../../docker/logs.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleIdle } from '../../docker/stats.js';
import type { Throwaways, ThrowawaySpec } from '../../docker/throwaway.js';
import { formatSeconds, round } from '../../util/format.js';
import { startError } from './one-shot.js';
import {
  awaitReadiness,
  exitOf,
  LISTENING_PROBE,
  unprobed,
  type Probe,
  type ProbeHelpers,
  type ReadinessOutcome,
} from './probe.js';
import { sampleThreads, spinningThreads } from './threads.js';
import { waitingFor } from './waiting-for.js';
import { withoutEmulator } from './emulated-command.js';
import { QUIET_MS, type CpuReader, type CpuSample } from './quiet.js';
import { listenedLate, watchListening, type WatchOn } from './watch-on.js';
import type { ListeningReader } from './listening.js';
import type { IdleRecord, ProcessRecord, ReadinessRecord, ServiceRecord, StopRecord } from './records.js';

// The service as it will run: the image's own entrypoint, user, environment and stop signal, in
// a throwaway container. Started, probed until ready, its processes listed; later sampled idle
// and stopped with `docker stop`, timed.

export interface RunningService {
  container: Container;
  startedAt: number;
  outcome: ReadinessOutcome;
  processes: ProcessRecord[] | null;
}

export async function startService(
  throwaways: Throwaways,
  spec: ThrowawaySpec,
  probe: Probe,
  readyTimeoutMs: number,
  listenMs: number,
  helpers: ProbeHelpers,
  signal?: AbortSignal,
  /** False for a service known to listen (its second start): watched until it does, quiet or not. */
  endWhenQuiet = true,
): Promise<RunningService> {
  const container = await throwaways.create(spec);
  const startedAt = performance.now();
  try {
    await container.start();
  } catch (error) {
    // The image cannot start (entrypoint missing, not executable…): a verdict, not a fault.
    const readiness = unprobed(probe, 'exited');
    const state = (await container.inspect().catch(() => null))?.State;
    const tail = `could not start: ${startError(error)}`;
    const exited = {
      exitCode: state?.ExitCode || 127,
      oomKilled: false,
      afterSeconds: round((performance.now() - startedAt) / 1000),
      logTail: tail,
      waitingFor: waitingFor(tail),
    };
    return { container, startedAt, outcome: { readiness, exited }, processes: null };
  }
  // Without a HEALTHCHECK or EXPOSE, the first TCP socket it listens on tells readiness; a service
  // that listens on none (a worker) is watched until it is quiet, then on beside the idle window.
  const outcome =
    probe.method === 'none'
      ? unobserved(
          await awaitReadiness(
            container,
            LISTENING_PROBE,
            startedAt,
            listenMs,
            helpers,
            signal,
            endWhenQuiet ? { afterMs: 0 } : undefined,
          ),
          listenMs,
        )
      : await awaitReadiness(container, probe, startedAt, readyTimeoutMs, helpers, signal);
  const processes = outcome.exited ? null : await listProcesses(container);
  return { container, startedAt, outcome, processes };
}

/**
 * A watch for a listening socket that found none is no readiness measured: the record says
 * `none`, as for an image that offers nothing to probe, with what was watched and for how long.
 */
export function unobserved(outcome: ReadinessOutcome, watchedMs: number): ReadinessOutcome {
  const { readiness } = outcome;
  if (readiness.method !== 'listening' || readiness.outcome === 'ready') return outcome;
  const why =
    readiness.listeningBy === null
      ? 'its listening sockets could not be read'
      : readiness.quietSeconds !== undefined
        ? `it listened on no TCP port: none by ${formatSeconds(readiness.quietSeconds)}, when it had used next to no CPU for ${formatSeconds(QUIET_MS / 1000)} (waiting, not starting up), nor while it was watched on`
        : `it listened on no TCP port within ${round(watchedMs / 1000)} s`;
  return {
    ...outcome,
    readiness: {
      ...readiness,
      method: 'none',
      outcome: readiness.outcome === 'exited' ? 'exited' : 'not-probed',
      lastOutput: why,
    },
  };
}

/**
 * The container's processes as the engine host sees them (`docker top`): real UIDs whatever the
 * image contains, no shell or `id` needed, and privilege drops by the entrypoint show.
 */
export async function listProcesses(container: Container): Promise<ProcessRecord[] | null> {
  try {
    const [top, inspect] = await Promise.all([
      // No user names: `ps` would resolve UIDs through the engine host's passwd, not the image's.
      container.top({ ps_args: '-o pid,uid,gid,args' }) as Promise<{ Titles: string[]; Processes: string[][] }>,
      container.inspect(),
    ]);
    return processesOfTop(top, inspect.State.Pid);
  } catch {
    return null; // the engine host has no `ps`, or the container just exited
  }
}

/** `docker top -o pid,uid,gid,args` as records; `initPid`: the container's PID 1 on the host. */
export function processesOfTop(top: { Titles: string[]; Processes: string[][] }, initPid: number): ProcessRecord[] {
  const titles = top.Titles.map((title) => title.toUpperCase());
  const column = (name: string): number => titles.indexOf(name);
  const [pid, uid, gid, args] = ['PID', 'UID', 'GID', 'COMMAND'].map(column);
  return top.Processes.map((row) => {
    // The program, not the emulator that runs it when its architecture is not the host's.
    const { command, emulator } = withoutEmulator(row[args] ?? '');
    return {
      pid: Number(row[pid]),
      uid: Number(row[uid]),
      gid: Number(row[gid]),
      command,
      init: Number(row[pid]) === initPid,
      ...(emulator ? { emulator } : {}),
    };
  });
}

export interface FinishOptions {
  idleMs: number;
  /** The container's CPU limit: a spinning thread is counted a whole core, never past this. */
  cpuLimit: number;
  stopTimeoutSeconds: number;
  signal?: AbortSignal;
  /**
   * The idle window overlaps this run's other work (the probe containers, the image's export),
   * which on a small machine takes CPU from a busy service: it would read lower than it is. When
   * the reading is at least `above`, the service is sampled again once `quiet` settles, and the
   * higher reading counts — an idle service pays nothing, a busy one is never passed by our load.
   */
  recheckCpu?: { above: number; quiet: Promise<unknown>; settleWithinMs?: number };
  /**
   * This run's own work beside the idle window (reading the image's files, the cache rebuilds):
   * the stop is measured once it is done, so our load never makes a stop look slow.
   */
  beforeStop?: Promise<unknown>;
  /**
   * How long any service is watched for a listening socket (max-startup-seconds): a quiet one
   * that turns busy is watched that long.
   */
  listenMs?: number;
  /** Told, once a quiet service's watch beside its idle window is over, whether it listened. */
  onWatchEnded?: (listened: boolean) => void;
}

/** How often a busy service is looked at while it settles. */
const SETTLE_STEP_MS = 1000;

export async function finishService(service: RunningService, options: FinishOptions): Promise<ServiceRecord> {
  const { container, outcome } = service;
  let idle: IdleRecord | null = null;
  let stop: StopRecord | null = null;
  let exited = outcome.exited;
  let neverReadyLog: string | null = null;
  let readiness = outcome.readiness;
  let processes = service.processes;
  if (!exited) {
    if (outcome.watchOn) {
      const watched = await watchedOnBesideIdle(service, outcome.watchOn, outcome.quietSpan ?? null, options);
      ({ readiness, idle } = watched);
      options.onWatchEnded?.(readiness.outcome === 'ready');
      // Listed again: at quiet time an entrypoint may not have dropped its privileges or exec'd yet.
      processes = (await listProcesses(container)) ?? processes;
    } else idle = await measureIdle(container, options.idleMs, options.cpuLimit, options.signal);
    const recheck = options.recheckCpu;
    if (idle && recheck && idle.cpu >= recheck.above) {
      const waitStarted = performance.now();
      await untilSettledOrAborted(recheck.quiet, options.signal);
      // A service may accept connections before its start-up work is done (a dev server listens,
      // then compiles): that work is not its idle cost. Busy, it is watched until it settles, for
      // as long as it was allowed to start (settleWithinMs from its start); settled, the window
      // is taken again and counts. Our own work is over by then, and the load of others cannot
      // make it look settled: a thread that spins through a step counts as a whole core.
      // The time spent waiting for our own work is not taken from the time it is given to settle.
      const within = (recheck.settleWithinMs ?? 0) + (performance.now() - waitStarted);
      let settled = await settle(service, recheck.above, within, options);
      let quiet = await measureIdle(container, options.idleMs, options.cpuLimit, options.signal);
      // A lull is not the end of its start-up (a dev server compiles in passes): a window taken
      // after a quiet step that reads busy again is not its idle cost; it is watched on while
      // another step and window fit in its time, and the last window taken counts.
      while (
        quiet &&
        settled !== null &&
        quiet.cpu >= recheck.above &&
        performance.now() - service.startedAt + SETTLE_STEP_MS + options.idleMs <= within
      ) {
        settled = await settle(service, recheck.above, within, options);
        if (settled === null) break;
        quiet = await measureIdle(container, options.idleMs, options.cpuLimit, options.signal);
      }
      if (quiet && settled !== null && readiness.readySeconds !== null)
        idle = {
          ...quiet,
          settled: {
            afterSeconds: round(settled - readiness.readySeconds),
            busyCpu: idle.cpu,
          },
        };
      else if (quiet && quiet.cpu > idle.cpu) idle = quiet;
    }
    // A service that ended during the idle window exited: that is its verdict, not an idle figure.
    exited = await exitOf(container, service.startedAt);
    if (exited) idle = null;
    else {
      // Still running but never ready: most often retrying a dependency it cannot reach. Its log
      // is read before it is stopped (what it writes on SIGTERM says nothing of why).
      if (readiness.outcome === 'timeout') neverReadyLog = await logTail(container, WAIT_LOG_LINES);
      if (options.beforeStop) {
        await untilSettledOrAborted(options.beforeStop, options.signal);
        // It may have ended while our work finished: that is its verdict, and there is nothing to stop.
        exited = await exitOf(container, service.startedAt);
        if (exited) idle = null;
      }
      if (!exited) stop = await measureStop(container, options.stopTimeoutSeconds);
    }
  }
  return {
    readiness,
    exited,
    processes,
    idle,
    stop,
    logTail: exited?.logTail ?? (neverReadyLog !== null ? lastLogLines(neverReadyLog) : await logTail(container)),
    ...(!exited && neverReadyLog !== null ? { waitingFor: waitingFor(neverReadyLog) } : {}),
  };
}

/**
 * A service whose watch for a listening socket ended quiet: watched on beside its idle window. One
 * that listens there became ready then, and its idle window is taken again from there (the first
 * was not idle: it was still starting). One that was busy through the window was not waiting
 * after all (a pause, then its start-up): it is watched as long as any service is
 * (`listenMs` from its start) and its idle window taken after that, as if it had never been quiet.
 */
async function watchedOnBesideIdle(
  service: RunningService,
  reader: ListeningReader,
  quietSpan: QuietSpan | null,
  options: FinishOptions,
): Promise<{ readiness: ReadinessRecord; idle: IdleRecord | null }> {
  const { container, startedAt } = service;
  let readiness = service.outcome.readiness;
  const late = watchListening(reader, startedAt, options.signal);
  // The quiet span was idle already: the window counts from its start (see measureIdle).
  let idle = await measureIdle(container, options.idleMs, options.cpuLimit, options.signal, quietSpan);
  const busy = idle !== null && idle.cpu >= (options.recheckCpu?.above ?? BUSY_AFTER_QUIET);
  if (busy && options.listenMs !== undefined) await untilListenedOr(late, startedAt + options.listenMs, options.signal);
  const listened = await late.stop();
  if (listened) readiness = listenedLate(readiness, listened);
  else if (busy && options.listenMs !== undefined)
    readiness = {
      ...readiness,
      waitedSeconds: round((performance.now() - startedAt) / 1000),
      lastOutput: `it listened on no TCP port within ${formatSeconds(options.listenMs / 1000)} (quiet by ${formatSeconds(readiness.quietSeconds)}, then busy again)`,
    };
  if (listened || busy) idle = await measureIdle(container, options.idleMs, options.cpuLimit, options.signal);
  return { readiness, idle };
}

/**
 * Until the watch sees a socket, or `deadline` (performance.now() time). A watch that ends without
 * one (its tables no longer readable) ends nothing: the time is waited out, as any service's watch.
 */
async function untilListenedOr(late: WatchOn, deadline: number, signal?: AbortSignal): Promise<void> {
  const left = deadline - performance.now();
  if (left <= 0) return;
  const done = new AbortController();
  const pause = sleep(left, undefined, { signal: signal ? AbortSignal.any([signal, done.signal]) : done.signal }).catch(
    () => undefined,
  );
  await Promise.race([late.ended.then((found) => (found ? undefined : pause)), pause]);
  done.abort(); // the pause's timer is not left running
  signal?.throwIfAborted();
}

/** Without a recheck threshold: a window busier than this after a quiet watch was start-up, not idling. */
const BUSY_AFTER_QUIET = 0.25;

/** Waits for `work` to settle, or for the run to be cancelled (then the caller's next step fails fast). */
async function untilSettledOrAborted(work: Promise<unknown>, signal?: AbortSignal): Promise<void> {
  if (!signal) return void (await Promise.allSettled([work]));
  if (signal.aborted) return;
  let onAbort = (): void => undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  await Promise.race([Promise.allSettled([work]), aborted]);
  signal.removeEventListener('abort', onAbort);
}

/**
 * Watches a busy service in short steps until one reads below `below`: the seconds from its start
 * when it did; null when it was still busy at `withinMs` from its start (or stopped answering).
 */
async function settle(
  service: RunningService,
  below: number,
  withinMs: number,
  options: FinishOptions,
): Promise<number | null> {
  while (performance.now() - service.startedAt + SETTLE_STEP_MS <= withinMs) {
    const step = await measureIdle(service.container, SETTLE_STEP_MS, options.cpuLimit, options.signal);
    if (!step) return null;
    if (step.cpu < below) return (performance.now() - service.startedAt) / 1000;
  }
  return null;
}

/** A quiet span (probe.ts): where it began, and the reader of the container's CPU time. */
type QuietSpan = { from: CpuSample; cpu: CpuReader };

/**
 * The engine's stats are sampled for at least this long even when a quiet span already covers
 * most of the window: the memory figures and the spinning-thread test need samples of their own.
 */
const MIN_SAMPLED_MS = 1000;

/**
 * The idle window: memory and CPU from the engine's stats over `windowMs`. Given a quiet span that
 * just ended a watch, the window starts where the span began: the span is part of it (the
 * container was idle through it, by its own CPU accounting), the engine's stats sample the rest
 * (at least MIN_SAMPLED_MS), and the CPU counts over the whole window as well as over the sampled
 * part, the higher reading kept — a worker no longer waits out its quiet span and then a whole
 * window after it. The record names the sampled window, and the quiet time before it.
 */
async function measureIdle(
  container: Container,
  windowMs: number,
  cpuLimit: number,
  signal?: AbortSignal,
  quietSpan: QuietSpan | null = null,
): Promise<IdleRecord | null> {
  const spanMs = quietSpan ? Math.max(0, performance.now() - quietSpan.from.at) : 0;
  const sampledMs = Math.max(Math.min(windowMs, MIN_SAMPLED_MS), windowMs - spanMs);
  try {
    // The window starts at once; the threads' first snapshot is taken beside its first samples.
    // Listing the processes and reading /proc wait on Node's thread pool, which the image's files
    // keep busy at this moment: taken before the window, they held up its start by 0.1–0.3 s (the
    // hardened example on the containerd store). The snapshots carry their own times: the spinning
    // test reads them over their own span, a little shorter than the window's.
    const snapshot = listProcesses(container)
      .then(async (listed) => {
        const pids = (listed ?? []).map((process) => process.pid);
        return { pids, before: await sampleThreads(container, pids) };
      })
      .catch(() => ({ pids: [] as number[], before: null }));
    const idle = await sampleIdle(container, sampledMs, signal);
    // The window the engine's stats sampled is what the figures name; the CPU over the whole
    // window, span included (the cgroup counter the span was read with), counts when higher.
    let quietBefore: number | null = null;
    if (quietSpan) {
      const cpuNs = await quietSpan.cpu();
      const wallNs = (performance.now() - quietSpan.from.at) * 1e6;
      if (cpuNs !== null && wallNs > 0) {
        idle.cpu = Math.max(idle.cpu, (cpuNs - quietSpan.from.cpuNs) / wallNs);
        quietBefore = spanMs / 1000;
      }
    }
    const { pids, before } = await snapshot;
    const after = before ? await sampleThreads(container, pids) : null;
    const memory = idle.samples.map((sample) => sample.memoryBytes).sort((a, b) => a - b);
    // A thread that spun through the window wanted a whole core, whatever share it got here.
    const spinning = before && after ? spinningThreads(before, after) : null;
    const wanted =
      spinning && spinning.threads > 0
        ? Math.min(cpuLimit, idle.cpu + spinning.threads - Math.min(spinning.gotCpu, idle.cpu))
        : idle.cpu;
    return {
      windowSeconds: round(idle.windowSeconds),
      samples: idle.samples.length,
      memoryBytesMax: memory[memory.length - 1] ?? 0,
      memoryBytesMedian: memory[Math.floor(memory.length / 2)] ?? 0,
      cpu: round(Math.max(wanted, idle.cpu), 4),
      cpuUsed: round(idle.cpu, 4),
      spinning: spinning ? { threads: spinning.threads, gotCpu: round(spinning.gotCpu, 4) } : null,
      ...(quietBefore !== null ? { quietBeforeSeconds: round(quietBefore) } : {}),
    };
  } catch {
    signal?.throwIfAborted();
    return null;
  }
}

/** `docker stop`: the image's STOPSIGNAL, then SIGKILL after the timeout. Exit 137 = killed. */
async function measureStop(container: Container, timeoutSeconds: number): Promise<StopRecord | null> {
  const started = performance.now();
  try {
    await container.stop({ t: timeoutSeconds });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 304) return null; // already stopped
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const inspect = await container.inspect();
  return {
    seconds: round(seconds),
    exitCode: inspect.State.ExitCode,
    timeoutSeconds,
    signal: (inspect.Config as { StopSignal?: string }).StopSignal || 'SIGTERM',
  };
}
