import { pid1Command } from './pid1.js';
import { formatSeconds } from '../util/format.js';
import { describeEmulation } from '../evidence/emulation.js';
import { emulatedRun, judgedUnderEmulation } from './emulated.js';
import { defineCheck } from './registry.js';
import { where } from './where.js';

// PID 1 that ignores SIGTERM makes every `docker stop` wait for the kill timeout (exit 137):
// in-flight requests are cut and deploys slow down. Shells do not forward signals; the kernel
// does not deliver a signal to PID 1 that has no handler for it.

export const checkStopsOnSigterm = defineCheck({
  id: 'HARD-SHUTDOWN-001',
  category: 'shutdown',
  severity: 'warning',
  title: 'Stops promptly on docker stop',
  proves:
    "`docker stop` (the image's STOPSIGNAL, SIGTERM by default) ends the container within max-stop-seconds, without the SIGKILL that exit code 137 shows.",
  why: 'A container killed after the timeout drops in-flight work and makes every deploy wait; the production profile asks for proper signal handling.',
  threshold: 'max-stop-seconds: 5; exit code not 137',
  remediation:
    'Run an init as PID 1 (`ENTRYPOINT ["tini", "--"]`) with CMD in exec form, and handle SIGTERM in the app (finish requests, then exit).',
  needs: ['image', 'runtime'],
  run({ image, runtime }, { settings, locate, evidence }) {
    const { stop, exited } = runtime.service;
    const location = where(locate.lastInstruction('ENTRYPOINT') ?? locate.lastInstruction('CMD'));
    if (!stop)
      return {
        status: 'skip',
        message: exited
          ? 'the container had already exited, so there was nothing to stop'
          : 'the container was not stopped',
      };
    const pid1 = pid1Command(image, runtime.service.processes);
    const measured = { seconds: stop.seconds, exitCode: stop.exitCode };
    // Under emulation a shutdown that handles the signal can still outlast the timeout and be
    // killed: the kill is then QEMU's slowness as much as the image's (HARD-INIT-001 still says
    // whether PID 1 forwards signals).
    const emulation = emulatedRun(evidence);
    if (stop.exitCode === 137 && emulation)
      return {
        status: 'skip',
        message: `docker stop took ${formatSeconds(stop.seconds)} and the container was killed (exit 137); under ${describeEmulation(emulation)} a shutdown that handles ${stop.signal} can outlast the timeout too, so this is not judged (prove it on ${emulation.platform} hardware); HARD-INIT-001 says whether PID 1 (\`${pid1.command}\`) forwards signals`,
        measured,
        target: settings.maxStopSeconds,
        ...location,
      };
    if (stop.exitCode === 137) {
      return {
        status: 'fail',
        message: `docker stop took ${formatSeconds(stop.seconds)}: ${stop.signal} was ignored and the container was killed (exit 137); PID 1 is \`${pid1.command}\``,
        measured,
        target: settings.maxStopSeconds,
        ...location,
      };
    }
    const how =
      stop.exitCode === 0
        ? 'exited cleanly (0)'
        : stop.exitCode === 143
          ? 'ended by SIGTERM (143)'
          : `exited ${stop.exitCode}`;
    const within = stop.seconds <= settings.maxStopSeconds;
    return judgedUnderEmulation(
      {
        status: within ? 'pass' : 'fail',
        message: `docker stop took ${formatSeconds(stop.seconds)} (limit ${formatSeconds(settings.maxStopSeconds)}); the container ${how}`,
        measured,
        target: settings.maxStopSeconds,
        ...location,
      },
      emulation,
      'the time to stop',
    );
  },
});
