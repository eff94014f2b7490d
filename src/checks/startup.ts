import { describeExit, describeLogTail, describeStackRun, neededBy } from './describe.js';
import { formatSeconds } from '../util/format.js';
import { emulatedRun, judgedUnderEmulation } from './emulated.js';
import { defineCheck } from './registry.js';
import { where } from './where.js';

// Whether the service becomes ready, and how fast: measured from its start to its first healthy
// probe (or open port).

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
  run({ runtime }, { locate, settings, evidence }) {
    const { readiness, exited } = runtime.service;
    const emulation = emulatedRun(evidence);
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
      return judgedUnderEmulation(
        {
          status: 'pass',
          message: `ready after ${formatSeconds(readiness.readySeconds)} (${readyBy(readiness)})${inStack}`,
          measured: readiness.readySeconds,
        },
        emulation,
        'the time to become ready',
      );
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
    // A dependency it names in its log is the image's story wherever it runs; a plain timeout
    // under emulation may be QEMU's slowness.
    const verdict = {
      status: 'fail' as const,
      message: `${how} within ${formatSeconds(settings.readyTimeoutSeconds)} (${readiness.attempts} attempts)${needs ? `: it kept running, but ${needs.message}` : ''}${log}${inStack}`,
      ...(needs ? { remediation: needs.remediation } : {}),
      ...location,
    };
    return needs ? verdict : judgedUnderEmulation(verdict, emulation, 'the time to become ready');
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
  run({ runtime }, { settings, evidence }) {
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
    return judgedUnderEmulation(
      {
        status: within ? 'pass' : 'fail',
        message: `ready after ${formatSeconds(readiness.readySeconds)} (limit ${formatSeconds(settings.maxStartupSeconds)}${twice})`,
        measured: readiness.readySeconds,
        target: settings.maxStartupSeconds,
      },
      emulatedRun(evidence),
      'the startup time',
    );
  },
});
