import { lastOutputLines } from '../util/text.js';
import type { EffectiveHealth } from '../evidence/image.js';
import { findCommand, pathDirectories, resolveFile } from '../evidence/paths.js';
import { formatSeconds } from '../util/format.js';
import { describeEmulation } from '../evidence/emulation.js';
import { emulatedRun, judgedUnderEmulation } from './emulated.js';
import { defineCheck } from './registry.js';
import { where } from './where.js';
import { fakeProbe } from '../util/commands.js';
import { baseSetsNoUserOrHealthcheck } from '../util/image-reference.js';
import { instructions, measuredBy, shippedStages, baseShown } from './dockerfile-helpers.js';

// A HEALTHCHECK that exists is not a health check: it must run in the image, pass while the
// service runs, and fail when it does not. Without a run, the Dockerfile's HEALTHCHECK is read
// instead (HARD-HEALTH-006).

const SHELL_WORDS = new Set([
  'exit',
  'true',
  'false',
  'test',
  '[',
  'echo',
  'cd',
  'set',
  'exec',
  'command',
  'if',
  '!',
  ':',
  'printf',
  'read',
]);

export const checkHealthcheckDefined = defineCheck({
  id: 'HARD-HEALTH-001',
  cis: ['4.6'],
  category: 'health',
  severity: 'error',
  title: 'A HEALTHCHECK is defined',
  proves: 'The image declares a HEALTHCHECK (not NONE).',
  why: 'Without one, orchestrators and compose health gates cannot tell a hung service from a healthy one.',
  remediation:
    'Add `HEALTHCHECK --interval=30s --timeout=10s --start-period=5s --retries=3 CMD [...]` with a probe that tests the service itself (e.g. an HTTP request to its health endpoint).',
  needs: ['image'],
  run({ image }, { locate }) {
    const argv = image.healthcheck?.argv ?? null;
    if (!argv)
      return {
        status: 'fail',
        message:
          image.healthcheck?.test[0] === 'NONE'
            ? 'HEALTHCHECK NONE disables the health check'
            : 'the image has no HEALTHCHECK',
        ...where(locate.lastInstruction('HEALTHCHECK') ?? locate.finalFrom()),
      };
    return {
      status: 'pass',
      message: `HEALTHCHECK runs ${JSON.stringify(argv)}`,
      ...where(locate.lastInstruction('HEALTHCHECK')),
    };
  },
});

export const checkProbeProgramExists = defineCheck({
  id: 'HARD-HEALTH-002',
  cis: ['4.6'],
  category: 'health',
  severity: 'error',
  title: "The health probe's program exists in the image",
  proves:
    "The HEALTHCHECK's executable (and, for the shell form, /bin/sh and the command it calls) resolves to an executable file in the image.",
  why: 'A probe calling curl in an image without curl never passes: the container is marked unhealthy, or the check is silently useless.',
  remediation:
    'Call a program the runtime image has (the app\'s own interpreter, e.g. `CMD ["python", "-m", "app.healthcheck"]`), or install the probe tool in the runtime stage.',
  needs: ['image', 'filesystem'],
  run({ image, filesystem }, { locate }) {
    const argv = image.healthcheck?.argv ?? null;
    const location = where(locate.lastInstruction('HEALTHCHECK'));
    if (!argv) return { status: 'skip', message: 'no HEALTHCHECK (see HARD-HEALTH-001)' };
    const dirs = pathDirectories(image.env);
    const missing: string[] = [];
    const found: string[] = [];
    const look = (command: string): void => {
      const hit = findCommand(filesystem.files, command, dirs, image.workingDir);
      if (hit) found.push(`${command} → ${hit.path}`);
      else missing.push(command);
    };
    if (image.healthcheck!.test[0] === 'CMD-SHELL') {
      if (!resolveFile(filesystem.files, '/bin/sh')) missing.push('/bin/sh (the shell form needs it)');
      const first = argv[2].trim().split(/[\s;|&()]+/)[0] ?? '';
      if (first && !SHELL_WORDS.has(first) && !first.includes('=') && !first.startsWith('$')) look(first);
    } else {
      look(argv[0]);
    }
    if (missing.length > 0)
      return { status: 'fail', message: `not in the image: ${missing.join(', ')}`, measured: missing, ...location };
    return {
      status: 'pass',
      message: found.length > 0 ? `found ${found.join(', ')}` : 'the probe uses shell built-ins only',
      measured: found,
      ...location,
    };
  },
});

export const checkProbePassesWhileRunning = defineCheck({
  id: 'HARD-HEALTH-003',
  cis: ['4.6'],
  category: 'health',
  severity: 'error',
  title: 'The health probe passes while the service runs',
  proves: 'Run every 250 ms in the running container, the HEALTHCHECK passes (exit 0) within ready-timeout-seconds.',
  why: 'A probe that never passes marks a working service unhealthy: compose health gates and orchestrators then restart or never route to it.',
  remediation:
    'Run the probe by hand in the container (`docker exec <c> <probe>`) and fix what it reports: wrong port, wrong path, missing dependency.',
  needs: ['image', 'runtime'],
  run({ image, runtime }, { locate, evidence }) {
    const { readiness, exited } = runtime.service;
    const location = where(locate.lastInstruction('HEALTHCHECK'));
    const emulation = emulatedRun(evidence);
    if (!image.healthcheck?.argv) return { status: 'skip', message: 'no HEALTHCHECK (see HARD-HEALTH-001)' };
    if (readiness.method !== 'healthcheck')
      return {
        status: 'fail',
        message: "the probe's program is not in the image, so it can never pass (see HARD-HEALTH-002)",
        ...location,
      };
    if (readiness.outcome === 'ready') {
      return judgedUnderEmulation(
        {
          status: 'pass',
          message: `passed ${formatSeconds(readiness.readySeconds)} after the start request (attempt ${readiness.attempts})`,
          measured: readiness.readySeconds,
          ...location,
        },
        emulation,
        'the time the probe takes to pass',
      );
    }
    if (exited)
      return {
        status: 'fail',
        message: `the container exited (code ${exited.exitCode}) after ${formatSeconds(exited.afterSeconds)}, before the probe passed`,
        ...location,
      };
    const last = readiness.lastOutput.trim() ? `; last output: ${lastOutputLines(readiness.lastOutput)}` : '';
    const why =
      readiness.outcome === 'probe-broken'
        ? 'the probe cannot run'
        : `it never passed in ${formatSeconds(readiness.waitedSeconds)}`;
    const verdict = {
      status: 'fail' as const,
      message: `${why} (${readiness.attempts} attempts, last exit code ${readiness.lastExitCode ?? 'none'})${last}`,
      measured: readiness.lastExitCode,
      ...location,
    };
    // A probe that cannot run is broken on any hardware; one that never passed in time may be slow.
    return readiness.outcome === 'probe-broken'
      ? verdict
      : judgedUnderEmulation(verdict, emulation, 'the time the probe takes to pass');
  },
});

export const checkProbeFailsWhenDown = defineCheck({
  id: 'HARD-HEALTH-004',
  cis: ['4.6'],
  category: 'health',
  severity: 'error',
  title: 'The health probe fails when the service is down',
  proves:
    "The HEALTHCHECK, run with the image's user, environment and working directory in a fresh container where the service never started, does not pass.",
  why: '`CMD true`, `… || exit 0` and `sys.exit(0)` pass while the service is down: such a probe is fake and hides every outage. The production profile rates it HIGH.',
  remediation:
    'Make the probe test the service itself: connect to its port or request its health endpoint, and exit non-zero on any failure (no `|| exit 0`).',
  needs: ['runtime'],
  run({ runtime }, { locate, evidence }) {
    const down = runtime.downProbe;
    const location = where(locate.lastInstruction('HEALTHCHECK'));
    if (!down) return { status: 'skip', message: 'no HEALTHCHECK (see HARD-HEALTH-001)' };
    if (down.error)
      return { status: 'skip', message: `the probe could not start (${down.error}; see HARD-HEALTH-002)` };
    if (down.exitCode === 0) {
      return {
        status: 'fail',
        message: `fake: it passed (exit 0 in ${formatSeconds(down.seconds)}) in a container where the service never started`,
        measured: 0,
        target: 'non-zero exit',
        ...location,
      };
    }
    const how = down.timedOut
      ? `did not answer within ${formatSeconds(down.seconds)} (Docker counts that as unhealthy)`
      : `exited ${down.exitCode} in ${formatSeconds(down.seconds)}`;
    const verdict = {
      status: 'pass' as const,
      message: `real: with the service down it ${how}`,
      measured: down.exitCode,
      target: 'non-zero exit',
      ...location,
    };
    // A fake probe (`sys.exit(0)`) can time out too when every instruction is emulated: only an
    // exit code tells a real probe there.
    const emulation = down.timedOut ? emulatedRun(evidence) : null;
    if (!emulation) return verdict;
    return {
      ...verdict,
      status: 'skip',
      message: `with the service down it did not answer within ${formatSeconds(down.seconds)}; under ${describeEmulation(emulation)} a fake probe can time out too, so only an exit code would tell: not judged (prove it on ${emulation.platform} hardware)`,
    };
  },
});

export const checkHealthTiming = defineCheck({
  id: 'HARD-HEALTH-005',
  category: 'health',
  severity: 'warning',
  title: 'Health check timing fits the service',
  proves:
    'The HEALTHCHECK interval and timeout are within the production profile (≤ 30 s, ≤ 10 s), the timeout is at least twice the slowest measured probe, and the start period plus interval × retries covers the measured startup.',
  why: "A long interval or timeout leaves a hung service unnoticed for minutes; a timeout close to the probe's own duration flaps under load; a start period shorter than startup gets a healthy service marked unhealthy and restarted.",
  threshold:
    "interval ≤ 30 s, timeout ≤ 10 s (the production profile: 30 s, 10 s, start period 5 s, retries 3, and on Docker ≥ 25 a start interval; Docker's defaults apply where unset: 30 s, 30 s, 0 s, 3, start interval 5 s)",
  remediation:
    "Set --timeout above the probe's duration with margin and --start-period above the measured startup (the production profile: --interval=30s --timeout=10s --start-period=5s --retries=3; on Docker ≥ 25 add --start-interval=1s so a starting container is found healthy within a second, not after a whole interval).",
  needs: ['image', 'runtime'],
  run({ image, runtime }, { locate, evidence }) {
    const health = image.healthcheck;
    if (!health?.argv) return { status: 'skip', message: 'no HEALTHCHECK (see HARD-HEALTH-001)' };
    const { interval, timeout, startPeriod, startInterval, retries } = health.effective;
    const startEvery = startInterval === null ? '' : `, start interval ${formatSeconds(startInterval)}`;
    const settings = `interval ${formatSeconds(interval)}, timeout ${formatSeconds(timeout)}, start period ${formatSeconds(startPeriod)}${startEvery}, retries ${retries} (production profile: 30 s, 10 s, 5 s, 3)`;
    const { readiness } = runtime.service;
    if (readiness.method !== 'healthcheck' || readiness.attemptSeconds.length === 0)
      return { status: 'skip', message: `${settings}; the probe never ran, so its timing was not measured` };
    const slowest = Math.max(...readiness.attemptSeconds);
    const [firstSlowest, secondSlowest] = readiness.remeasured?.slowestProbeSeconds ?? [];
    const twice =
      firstSlowest != null && secondSlowest != null
        ? ` (taken twice: ${formatSeconds(firstSlowest)} beside this run's other containers, ${formatSeconds(secondSlowest)} alone; the lower counts)`
        : '';
    const problems: string[] = [];
    if (interval > 30) problems.push(`the interval ${formatSeconds(interval)} is above the production profile's 30 s`);
    if (timeout > 10)
      problems.push(
        `the timeout ${formatSeconds(timeout)} is above the production profile's 10 s${health.timeoutSeconds === null ? " (Docker's default, as none is set)" : ''}`,
      );
    // The probe's duration and the startup are measured; the interval and timeout are configured.
    // Under emulation the measured ones are QEMU's as much as the image's: said, not judged.
    const timing: string[] = [];
    if (slowest * 2 > timeout)
      timing.push(
        `the slowest probe took ${formatSeconds(slowest)}${twice}, more than half the ${formatSeconds(timeout)} timeout`,
      );
    const grace = startPeriod + interval * retries;
    if (readiness.readySeconds !== null && readiness.readySeconds > grace) {
      timing.push(
        `startup took ${formatSeconds(readiness.readySeconds)}, longer than start period + interval × retries = ${formatSeconds(grace)}`,
      );
    }
    const emulation = emulatedRun(evidence);
    const timingVerdict = judgedUnderEmulation(
      { status: timing.length > 0 ? 'fail' : 'pass', message: timing.join('; ') },
      emulation,
      'the probe and startup times',
    );
    if (timingVerdict.status === 'fail') problems.push(...timing);
    const notJudged =
      timingVerdict.status === 'skip' && emulation
        ? `; not judged under ${describeEmulation(emulation)}, which makes them worse: ${timing.join('; ')}`
        : '';
    const measured = {
      interval,
      timeout,
      startPeriod,
      startInterval,
      retries,
      slowestProbeSeconds: slowest,
      readySeconds: readiness.readySeconds,
    };
    const location = where(locate.lastInstruction('HEALTHCHECK'));
    if (problems.length > 0)
      return { status: 'fail', message: `${settings}: ${problems.join('; ')}${notJudged}`, measured, ...location };
    if (notJudged) return { status: 'skip', message: `${settings}${notJudged}`, measured, ...location };
    return judgedUnderEmulation(
      {
        status: 'pass',
        message: `${settings}; slowest probe ${formatSeconds(slowest)}${twice}; ${firstHealthy(health.effective, readiness.readySeconds)}`,
        measured,
        ...location,
      },
      emulation,
      'the probe and startup times',
    );
  },
});

/**
 * When Docker itself first reports the container healthy, which depends on the engine: during the
 * start period Docker ≥ 25 probes every start interval; Engine 20.10 waits one whole interval.
 */
function firstHealthy(effective: EffectiveHealth, readySeconds: number | null): string {
  const ready = readySeconds ?? 0;
  if (effective.startInterval !== null && ready <= effective.startPeriod) {
    const at = Math.max(effective.startInterval, Math.ceil(ready / effective.startInterval) * effective.startInterval);
    return `Docker reports it healthy about ${formatSeconds(at)} after start (its first probe after the ${formatSeconds(effective.startInterval)} start interval)`;
  }
  const at = Math.max(effective.interval, Math.ceil(ready / effective.interval) * effective.interval);
  const why =
    effective.startInterval === null
      ? 'this engine (before Docker 25) has no start interval: its first probe runs one whole interval after start'
      : 'after the start period Docker probes once per interval';
  return `Docker reports it healthy about ${formatSeconds(at)} after start (${why})`;
}

export const checkDockerfileHealthcheck = defineCheck({
  id: 'HARD-HEALTH-006',
  cis: ['4.6'],
  category: 'health',
  severity: 'error',
  title: 'The Dockerfile declares a real-looking HEALTHCHECK',
  proves:
    'The shipped stage has a HEALTHCHECK that is not NONE and not trivially fake (`true`, `exit 0`, `echo`, `… || exit 0`, `sys.exit(0)`).',
  why: 'A fake probe reports healthy while the service is down; the production profile rejects the old `sys.exit(0)` probe as useless for monitoring.',
  remediation:
    'Probe the service itself, e.g. `HEALTHCHECK CMD ["python", "-m", "app.healthcheck"]` that requests the health endpoint and exits non-zero on any failure.',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const measured = measuredBy(context, 'runtime', 'HARD-HEALTH-001 to -005');
    if (measured) return measured;
    const last = instructions(shippedStages(dockerfile), 'HEALTHCHECK').pop();
    if (!last) {
      // A base the Dockerfile cannot see into may declare the HEALTHCHECK the stage inherits.
      const base = shippedStages(dockerfile)[0];
      const known = base.baseUnresolved.length === 0 && baseSetsNoUserOrHealthcheck(base.base);
      return {
        status: 'fail',
        ...(known ? {} : { severity: 'warning' as const }),
        message: known
          ? 'no HEALTHCHECK in the shipped stage'
          : `no HEALTHCHECK in the shipped stage, unless its base ${baseShown(base)} declares one (a full run sees it: HARD-HEALTH-001)`,
        ...where(context.locate.finalFrom()),
      };
    }
    const location = context.locate.at(last.instruction);
    const [kind, ...rest] = last.instruction.args.split(/\s+/);
    if (kind?.toUpperCase() === 'NONE')
      return { status: 'fail', message: 'HEALTHCHECK NONE disables the health check', location };
    const command = rest.join(' ');
    const fake = fakeProbe(command);
    if (fake)
      return { status: 'fail', message: `HEALTHCHECK CMD ${command} ${fake}: it does not test the service`, location };
    return { status: 'pass', message: `HEALTHCHECK CMD ${command}`, location };
  },
});
