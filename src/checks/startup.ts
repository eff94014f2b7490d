import { describeExit, describeLogTail, describeStackRun, neededBy } from './describe.js';
import { formatBytes, formatSeconds } from '../util/format.js';
import { defineCheck } from './registry.js';
import { where } from './where.js';

/** "exited with code 1 after 0.42 s (out of memory); last log lines: …" */
export const checkBecomesReady = defineCheck({
  id: 'HARD-STARTUP-001',
  category: 'startup',
  severity: 'error',
  title: 'The container starts and becomes ready',
  proves:
    'Started as configured, the container keeps running and its health probe (or, without HEALTHCHECK, its exposed port) answers within ready-timeout-seconds.',
  why: 'An image that crashes or never becomes ready will fail its deployment; better to see it here, with its exit code and logs.',
  remediation:
    'Read the exit code and log lines in the message; run the image with `docker run` to reproduce. Give required configuration through runtime-env.',
  needs: ['runtime'],
  run({ runtime }, { locate, settings }) {
    const { readiness, exited } = runtime.service;
    const location = where(locate.lastInstruction('CMD') ?? locate.lastInstruction('ENTRYPOINT'));
    const stack = runtime.stack ?? null;
    const inStack = describeStackRun(stack);
    if (exited) {
      // What it waited for (a refused connection, a host that does not resolve) is the story of
      // most real services run without their dependencies: said first, with how to provide it.
      const needs = neededBy(exited.waitingFor ?? [], stack);
      return {
        status: 'fail',
        message: `the container ${needs ? `${needs.message}: it ` : ''}${describeExit(exited)}${inStack}`,
        measured: exited.exitCode,
        ...(needs ? { remediation: needs.remediation } : {}),
        ...location,
      };
    }
    if (readiness.outcome === 'ready')
      return {
        status: 'pass',
        message: `ready after ${formatSeconds(readiness.readySeconds)} (${readyBy(readiness)})${inStack}`,
        measured: readiness.readySeconds,
      };
    if (readiness.method === 'none')
      return {
        status: 'skip',
        message: `no HEALTHCHECK and no exposed port${readiness.lastOutput ? `, and ${readiness.lastOutput}` : ''}, so readiness cannot be observed; it kept running through the ${formatSeconds(settings.idleSeconds)} idle window${inStack}`,
      };
    const how =
      readiness.method === 'port'
        ? `port ${readiness.port} never accepted a connection`
        : 'the health probe never passed';
    // It kept running: what its log says it could not reach (a dependency it keeps retrying), the
    // log line that says so, and where it ran (its stack, or why alone).
    const waits = runtime.service.waitingFor ?? [];
    const needs = neededBy(waits, stack);
    const log = needs
      ? `; its log: ${waits.map((wait) => wait.line).join(' | ')}`
      : describeLogTail(runtime.service.logTail);
    return {
      status: 'fail',
      message: `${how} within ${formatSeconds(settings.readyTimeoutSeconds)} (${readiness.attempts} attempts)${needs ? `: it kept running, but ${needs.message}` : ''}${log}${inStack}`,
      ...(needs ? { remediation: needs.remediation } : {}),
      ...location,
    };
  },
});

function readyBy(readiness: {
  method: string;
  port: number | null;
  listening?: { port: number; address: string }[];
}): string {
  if (readiness.method === 'port') return `port ${readiness.port} accepted a connection`;
  if (readiness.method === 'listening') {
    const socket = readiness.listening?.[0];
    const address = !socket
      ? ''
      : socket.address === '0.0.0.0' || socket.address === '::'
        ? ' on all addresses'
        : ` on ${socket.address} only`;
    return `it listened on TCP port ${readiness.port}${address}, seen in its network namespace: no EXPOSE or HEALTHCHECK declares it`;
  }
  return 'the health probe passed';
}

export const checkStartupTime = defineCheck({
  id: 'HARD-STARTUP-002',
  category: 'startup',
  severity: 'warning',
  title: 'Startup time',
  proves:
    'The time from the start request until the probe first passed (probed every 250 ms) is within max-startup-seconds.',
  why: 'Slow starts slow every deploy, scale-out and recovery; the production profile targets under 5 s.',
  threshold: 'max-startup-seconds: 5',
  remediation:
    'Defer work done at import/start (warm caches lazily, connect on first use), and avoid installing or compiling anything at startup.',
  needs: ['runtime'],
  run({ runtime }, { settings }) {
    const { readiness } = runtime.service;
    if (readiness.readySeconds === null)
      return {
        status: 'skip',
        message: 'the service never became ready, so no startup time was measured (see HARD-STARTUP-001)',
      };
    const within = readiness.readySeconds <= settings.maxStartupSeconds;
    const [first, second] = readiness.remeasured?.readySeconds ?? [];
    const twice =
      readiness.remeasured && first != null
        ? `; taken twice, the first reading being near the limit: ${formatSeconds(first)} beside this run's other containers, ${second == null ? 'never ready' : formatSeconds(second)} alone; the lower counts`
        : '';
    return {
      status: within ? 'pass' : 'fail',
      message: `ready after ${formatSeconds(readiness.readySeconds)} (limit ${formatSeconds(settings.maxStartupSeconds)}${twice})`,
      measured: readiness.readySeconds,
      target: settings.maxStartupSeconds,
    };
  },
});

/**
 * A service that never became ready was sampled, but not in the state it serves in (still waiting
 * for its database, say): what it used then is no idle cost to judge.
 */
const NEVER_READY = {
  status: 'skip',
  message: 'the service never became ready, so what it used while waiting is not its idle cost (see HARD-STARTUP-001)',
} as const;

export const checkIdleMemory = defineCheck({
  id: 'HARD-MEMORY-001',
  category: 'memory',
  severity: 'warning',
  title: 'Idle memory',
  proves:
    'The most memory the ready, idle container used over the sampling window (as `docker stats` counts it) is within max-idle-memory-mb; a service still busy with its start-up work after it became ready is sampled once it settles.',
  why: 'Idle memory is paid by every replica all the time; the production profile targets under 512 MB.',
  threshold: 'max-idle-memory-mb: 512',
  remediation: 'Load less at startup (lazy imports, smaller caches), and run fewer worker processes when idle.',
  needs: ['runtime'],
  run({ runtime }, { settings }) {
    const { idle } = runtime.service;
    if (!idle) return { status: 'skip', message: 'the container did not stay up, so it was not sampled idle' };
    if (runtime.service.readiness.outcome === 'timeout') return NEVER_READY;
    const limit = settings.maxIdleMemoryMb * 1e6;
    const settled = idle.settled
      ? `, sampled once it settled, ${formatSeconds(idle.settled.afterSeconds)} after it became ready`
      : '';
    return {
      status: idle.memoryBytesMax <= limit ? 'pass' : 'fail',
      message: `${formatBytes(idle.memoryBytesMax)} at most over ${formatSeconds(idle.windowSeconds)} (${idle.samples} samples; limit ${settings.maxIdleMemoryMb} MB)${settled}`,
      measured: idle.memoryBytesMax,
      target: limit,
    };
  },
});

export const checkIdleCpu = defineCheck({
  id: 'HARD-CPU-001',
  category: 'cpu',
  severity: 'warning',
  title: 'Idle CPU',
  proves:
    'The CPU the ready, idle container used over the sampling window is within max-idle-cpu (in CPUs); a thread that spun through the whole window without ever blocking counts as the whole core it wants, whatever share a busy machine gave it. A service busy right after it became ready (a dev server compiling once it listens) is watched until it settles, within ready-timeout-seconds of its start, and sampled then; one still busy then is judged busy.',
  why: 'A service that spins when idle wastes a share of every node it runs on; the production profile targets under 0.5 CPU.',
  threshold: 'max-idle-cpu: 0.5',
  remediation: 'Look for busy loops and tight polling; wait on sockets or timers instead.',
  needs: ['runtime'],
  run({ runtime }, { settings }) {
    const { idle } = runtime.service;
    if (!idle) return { status: 'skip', message: 'the container did not stay up, so it was not sampled idle' };
    if (runtime.service.readiness.outcome === 'timeout') return NEVER_READY;
    const spun = idle.spinning?.threads ?? 0;
    const spinning =
      spun > 0
        ? `: ${spun > 1 ? `${spun} threads` : '1 thread'} spun through the window without ever blocking, counted as ${spun > 1 ? 'a whole core each' : 'a whole core'} (the engine counted ${(idle.cpuUsed ?? idle.cpu).toFixed(3)} CPU, the share this machine gave ${spun > 1 ? 'them' : 'it'})`
        : '';
    // Busy right after it became ready (start-up work: a dev server compiling), it was sampled once it settled.
    const settled = idle.settled
      ? `, once it settled: it was busy (${idle.settled.busyCpu.toFixed(3)} CPU) for ${formatSeconds(idle.settled.afterSeconds)} after it became ready, finishing its start-up`
      : '';
    return {
      status: idle.cpu <= settings.maxIdleCpu ? 'pass' : 'fail',
      message: `${idle.cpu.toFixed(3)} CPU on average over ${formatSeconds(idle.windowSeconds)} (limit ${settings.maxIdleCpu})${spinning}${settled}`,
      measured: idle.cpu,
      target: settings.maxIdleCpu,
    };
  },
});
