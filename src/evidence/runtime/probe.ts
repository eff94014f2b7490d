import type { Container } from '../../docker/engine.js';
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { execIn } from '../../docker/exec.js';
import { lastLogLines, logTail, WAIT_LOG_LINES } from '../../docker/logs.js';
import { round } from '../../util/format.js';
import type { HealthcheckConfig } from '../image.js';
import type { ListeningReader } from './listening.js';
import { QuietTracker, type CpuReader, type CpuSample } from './quiet.js';
import type { ExitRecord, ProbeMethod, ReadinessRecord } from './records.js';
import { waitingFor } from './waiting-for.js';

// Readiness, measured by running the probe ourselves every 250 ms — never by waiting out
// Docker's own health interval (30 s in the production profile), which would make every check take that long.

export const PROBE_INTERVAL_MS = 250;

export interface Probe {
  method: ProbeMethod;
  argv: string[] | null;
  port: number | null;
  /** Longest one attempt may take. */
  timeoutMs: number;
  /** An exposed port to probe instead when the health probe cannot run at all. */
  fallbackPort: number | null;
}

/** Gives a running container (on the networks named) an address, so its port can be probed. */
export type Addressing = (container: Container, attached: string[]) => Promise<void>;

/** Finds how the container's listening sockets can be read (method `listening`); null: they cannot. */
export type ListeningSource = (container: Container) => Promise<{ read: ListeningReader; how: string } | null>;

export interface ProbeHelpers {
  addressing: Addressing;
  listening?: ListeningSource;
  /** Reads the container's CPU time (quiet.ts), so a watch for a listening socket can end early. */
  cpu?: (container: Container) => Promise<CpuReader | null>;
}

/**
 * A service with no HEALTHCHECK and no EXPOSE: ready when a TCP socket listens in its network
 * namespace. Each attempt reads the socket tables; nothing is sent to the service.
 */
export const LISTENING_PROBE: Probe = {
  method: 'listening',
  argv: null,
  port: null,
  timeoutMs: 5000,
  fallbackPort: null,
};

export function fallbackPort(exposedPorts: string[]): number | null {
  const tcp = exposedPorts.map((port) => /^(\d+)(\/tcp)?$/.exec(port)).find(Boolean);
  return tcp ? Number(tcp[1]) : null;
}

export function chooseProbe(health: HealthcheckConfig | null, exposedPorts: string[]): Probe {
  const argv = health?.argv ?? null;
  // Docker's default timeout is 30 s; one attempt of ours is bounded at 10 s.
  const timeoutMs = Math.min((health?.timeoutSeconds ?? 30) * 1000, 10_000);
  const port = fallbackPort(exposedPorts);
  if (argv) return { method: 'healthcheck', argv, port: null, timeoutMs, fallbackPort: port };
  if (port !== null) return { method: 'port', argv: null, port, timeoutMs: 1000, fallbackPort: null };
  return { method: 'none', argv: null, port: null, timeoutMs: 0, fallbackPort: null };
}

interface Attempt {
  ok: boolean;
  exitCode: number | null;
  output: string;
  seconds: number;
  notRunning: boolean;
  /** The probe cannot work (its command is not found): more attempts are pointless. */
  broken: boolean;
}

async function attemptOnce(
  container: Container,
  probe: Probe,
  address: string | null,
  listening: ListeningReader | null,
): Promise<Attempt & { sockets?: ListeningSocketList }> {
  if (probe.method === 'listening') {
    const started = performance.now();
    const sockets = listening ? await listening() : null;
    const seconds = (performance.now() - started) / 1000;
    if (sockets === null)
      return {
        ok: false,
        exitCode: null,
        output: 'its listening sockets cannot be read',
        seconds,
        notRunning: false,
        broken: true,
      };
    return {
      ok: sockets.length > 0,
      exitCode: null,
      output: sockets.length > 0 ? '' : 'no TCP socket listening yet',
      seconds,
      notRunning: false,
      broken: false,
      sockets,
    };
  }
  if (probe.method === 'healthcheck') {
    const result = await execIn(container, probe.argv!, probe.timeoutMs);
    const missing =
      (result.exitCode === 126 || result.exitCode === 127) &&
      /not found|no such file|executable file/i.test(result.output);
    return {
      ok: result.exitCode === 0,
      exitCode: result.exitCode,
      output: result.error ?? (result.timedOut ? `no answer within ${probe.timeoutMs / 1000} s` : result.output),
      seconds: result.seconds,
      notRunning: result.notRunning,
      broken: missing || result.error !== null,
    };
  }
  const started = performance.now();
  const ok = address !== null && (await connects(address, probe.port!, probe.timeoutMs));
  return {
    ok,
    exitCode: null,
    output: ok ? '' : `port ${probe.port} refused or did not answer`,
    seconds: (performance.now() - started) / 1000,
    notRunning: false,
    broken: false,
  };
}

/** Whether a TCP connection to host:port opens within `timeoutMs`. */
export function connects(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

type ListeningSocketList = NonNullable<Awaited<ReturnType<ListeningReader>>>;

/** When a quiet service's watch for a listening socket may end (awaitReadiness). */
export interface QuietEnd {
  /** Not before this long from its start. */
  afterMs: number;
  /** And only once this says so (the hardened run: once the service itself was seen not to listen). */
  when?: () => boolean;
  /** Settles when `when` may have changed: the watch looks at once instead of at its next step. */
  wake?: Promise<unknown>;
}

export interface ReadinessOutcome {
  readiness: ReadinessRecord;
  exited: ExitRecord | null;
  /**
   * A watch for a listening socket that ended because the service was quiet: its reader, so the
   * watch can go on beside the idle window.
   */
  watchOn?: ListeningReader;
  /**
   * Where that quiet span began, and the reader of the container's CPU time: the span was already
   * idle, so the idle window counts from its start instead of after it (a worker does not wait
   * out the span twice).
   */
  quietSpan?: { from: CpuSample; cpu: CpuReader };
}

/** The record of a probe not (yet) tried: before the first attempt, or when the container never started. */
export function unprobed(probe: Probe, outcome: ReadinessRecord['outcome'], lastOutput = ''): ReadinessRecord {
  return {
    method: probe.method,
    probe: probe.argv,
    port: probe.port,
    readySeconds: null,
    attempts: 0,
    attemptSeconds: [],
    lastExitCode: null,
    lastOutput,
    outcome,
    waitedSeconds: 0,
    ...(probe.method === 'listening' ? { listeningBy: null, listening: [] } : {}),
  };
}

/**
 * Probes until the first pass, the container's exit, a broken probe, or `timeoutMs`. `startedAt`
 * is the moment the start request was sent (performance.now()). A watch for a listening socket
 * given `quietEnd` also ends once `afterMs` has passed, the service has been quiet (next to no CPU)
 * for QUIET_MS — it is waiting, not starting (quiet.ts) — and `when` (if given) allows it.
 */
export async function awaitReadiness(
  container: Container,
  initial: Probe,
  startedAt: number,
  timeoutMs: number,
  helpers: ProbeHelpers,
  signal?: AbortSignal,
  quietEnd?: QuietEnd,
): Promise<ReadinessOutcome> {
  const { addressing } = helpers;
  let probe = initial;
  const readiness = unprobed(probe, 'not-probed');
  const elapsed = (): number => (performance.now() - startedAt) / 1000;
  let address = probe.method === 'port' ? await addressOf(container, addressing) : null;
  let listening: ListeningReader | null = null;
  if (probe.method === 'listening') {
    const source = (await helpers.listening?.(container)) ?? null;
    listening = source?.read ?? null;
    readiness.listeningBy = source?.how ?? null;
  }
  let cpu = listening && quietEnd ? ((await helpers.cpu?.(container)) ?? null) : null;
  const quiet = new QuietTracker();
  // A wake ends one pause, or skips the next if it came while the watch was looking; settled, it
  // would end every later pause at once.
  const wake: { state: 'waiting' | 'due' | 'used' } = { state: quietEnd?.wake ? 'waiting' : 'used' };
  const arrived = (): void => {
    if (wake.state === 'waiting') wake.state = 'due';
  };
  const woken = quietEnd?.wake?.then(arrived, arrived);
  /** Whether a wake came that no pause has used yet; it is used now. */
  const takeWake = (): boolean => {
    if (wake.state !== 'due') return false;
    wake.state = 'used';
    return true;
  };
  let brokenInARow = 0;
  let lastStateCheck = 0;
  for (;;) {
    signal?.throwIfAborted();
    const tick = performance.now();
    if (probe.method !== 'none') {
      const attempt = await attemptOnce(container, probe, address, listening);
      readiness.attempts++;
      readiness.attemptSeconds.push(round(attempt.seconds));
      readiness.lastExitCode = attempt.exitCode;
      readiness.lastOutput = attempt.output.slice(-1000);
      if (attempt.ok) {
        readiness.readySeconds = round(elapsed());
        readiness.outcome = 'ready';
        if (attempt.sockets) {
          readiness.listening = attempt.sockets;
          readiness.port = attempt.sockets[0].port;
        }
        break;
      }
      brokenInARow = attempt.broken ? brokenInARow + 1 : 0;
      // Sockets that cannot be read leave readiness unobservable, not failed.
      if (probe.method === 'listening' && attempt.broken) {
        const exited = await exitOf(container, startedAt);
        readiness.outcome = exited ? 'exited' : 'not-probed';
        readiness.waitedSeconds = round(elapsed());
        return { readiness, exited };
      }
      if (brokenInARow >= 2) {
        // The health probe cannot run (its program is missing): readiness can still be told by
        // the exposed port. HARD-HEALTH-002/-003 report the broken probe itself.
        if (probe.fallbackPort === null) {
          readiness.outcome = 'probe-broken';
          break;
        }
        probe = { method: 'port', argv: null, port: probe.fallbackPort, timeoutMs: 1000, fallbackPort: null };
        Object.assign(readiness, { method: 'port', port: probe.port });
        address = await addressOf(container, addressing);
        brokenInARow = 0;
      }
      if (attempt.notRunning) lastStateCheck = 0;
      if (cpu) {
        const used = await cpu();
        if (used === null) cpu = null;
        else if (
          quiet.record(performance.now(), used) &&
          elapsed() * 1000 >= quietEnd!.afterMs &&
          (quietEnd!.when?.() ?? true)
        ) {
          // Still running (a quiet container that ended is an exit, below): waiting, not starting.
          const exited = await exitOf(container, startedAt);
          readiness.waitedSeconds = round(elapsed());
          if (exited) {
            readiness.outcome = 'exited';
            return { readiness, exited };
          }
          readiness.outcome = 'not-probed';
          readiness.quietSeconds = readiness.waitedSeconds;
          const from = quiet.spanStart();
          return {
            readiness,
            exited: null,
            ...(listening ? { watchOn: listening } : {}),
            ...(from ? { quietSpan: { from, cpu } } : {}),
          };
        }
      }
    }
    // Whether the container is still running: after a refused exec at once, else about each second.
    if (performance.now() - lastStateCheck > 1000) {
      lastStateCheck = performance.now();
      const exited = await exitOf(container, startedAt);
      if (exited) {
        readiness.outcome = 'exited';
        readiness.waitedSeconds = round(elapsed());
        return { readiness, exited };
      }
    }
    if (elapsed() * 1000 >= timeoutMs) {
      // A container that ended since its last state check exited: that, not a timeout, is its story.
      const exited = await exitOf(container, startedAt);
      readiness.waitedSeconds = round(elapsed());
      if (exited) {
        readiness.outcome = 'exited';
        return { readiness, exited };
      }
      // No socket ever listened: a worker, or a service slower than the window; not a failure.
      readiness.outcome = probe.method === 'none' || probe.method === 'listening' ? 'not-probed' : 'timeout';
      break;
    }
    const wait = PROBE_INTERVAL_MS - (performance.now() - tick);
    if (wait > 0) {
      if (!takeWake()) {
        await pauseOrWake(wait, wake.state === 'waiting' ? woken : undefined, signal);
        takeWake();
      }
    }
  }
  readiness.waitedSeconds = round(elapsed());
  return { readiness, exited: null };
}

/** The exit of a container that is no longer running, with its log tail; null while it runs. */
export async function exitOf(container: Container, startedAt: number): Promise<ExitRecord | null> {
  const state = (await container.inspect()).State;
  if (state.Running) return null;
  const read = await logTail(container, WAIT_LOG_LINES);
  return {
    exitCode: state.ExitCode,
    oomKilled: state.OOMKilled,
    afterSeconds: round((performance.now() - startedAt) / 1000),
    logTail: lastLogLines(read),
    waitingFor: waitingFor(read),
  };
}

async function addressOf(container: Container, addressing: Addressing): Promise<string | null> {
  const networks = async (): Promise<Record<string, { IPAddress: string }>> =>
    (await container.inspect()).NetworkSettings.Networks ?? {};
  const addressIn = (attached: Record<string, { IPAddress: string }>): string | null =>
    Object.values(attached)
      .map((network) => network.IPAddress)
      .find(Boolean) ?? null;
  const attached = await networks();
  const address = addressIn(attached);
  if (address) return address;
  await addressing(container, Object.keys(attached));
  return addressIn(await networks());
}

/** A pause of `ms`, ended early when `wake` settles; the timer is not left running. */
async function pauseOrWake(ms: number, wake: Promise<unknown> | undefined, signal?: AbortSignal): Promise<void> {
  if (!wake) return void (await sleep(ms, undefined, signal ? { signal } : undefined));
  const done = new AbortController();
  const pause = sleep(ms, undefined, { signal: signal ? AbortSignal.any([signal, done.signal]) : done.signal }).catch(
    () => undefined,
  );
  await Promise.race([pause, wake]);
  done.abort();
  signal?.throwIfAborted();
}
