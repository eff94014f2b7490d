import type { ImageEvidence } from '../evidence/image.js';
import type { ProcessRecord } from '../evidence/runtime/records.js';
import { builtStages, setsUpS6Overlay } from '../evidence/dockerfile.js';
import type { EvidenceSet } from '../evidence/types.js';
import { classifyPid1, S6_OVERLAY_PATHS, type Pid1Hints } from '../util/commands.js';
import { formatSeconds } from '../util/format.js';
import { defineCheck } from './registry.js';
import { where } from './where.js';

// PID 1 that ignores SIGTERM makes every `docker stop` wait for the kill timeout (exit 137):
// in-flight requests are cut and deploys slow down. Shells do not forward signals; the kernel
// does not deliver a signal to PID 1 that has no handler for it.

/** PID 1's command: measured (`docker top`) when the service ran, else what the image config says. */
export function pid1Command(
  image: ImageEvidence,
  processes: ProcessRecord[] | null,
): { command: string; measured: boolean } {
  const init = processes?.find((process) => process.init);
  if (init) return { command: init.command, measured: true };
  return { command: [...(image.entrypoint ?? []), ...(image.cmd ?? [])].join(' '), measured: false };
}

/** What tells an init by its path: s6-overlay's files in the image, else its setup in the Dockerfile. */
function pid1Hints(evidence: EvidenceSet): Pid1Hints {
  if (evidence.filesystem.state === 'collected')
    return { s6Overlay: Object.keys(evidence.filesystem.value.files).some((path) => S6_OVERLAY_PATHS.test(path)) };
  if (evidence.dockerfile.state === 'collected')
    return { s6Overlay: setsUpS6Overlay(builtStages(evidence.dockerfile.value)) };
  return {};
}

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
  run({ image, runtime }, { settings, locate }) {
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
    return {
      status: within ? 'pass' : 'fail',
      message: `docker stop took ${formatSeconds(stop.seconds)} (limit ${formatSeconds(settings.maxStopSeconds)}); the container ${how}`,
      measured,
      target: settings.maxStopSeconds,
      ...location,
    };
  },
});

export const checkInitProcess = defineCheck({
  id: 'HARD-INIT-001',
  category: 'init',
  severity: 'warning',
  title: 'An init runs as PID 1',
  proves:
    "PID 1 of the running container is an init (tini, dumb-init, docker-init, catatonit, s6-svscan or s6-overlay's /init where the image carries s6-overlay, runsvdir, supervisord, my_init), which forwards signals and reaps zombie processes.",
  why: 'A shell as PID 1 does not forward SIGTERM; an app as PID 1 gets no default signal handling and leaves zombies. The production profile runs tini.',
  remediation:
    'Install tini and use `ENTRYPOINT ["tini", "--"]` with CMD in exec form (or run with `init: true` in compose / `--init`).',
  needs: ['image', 'runtime'],
  run({ image, runtime }, { locate, evidence }) {
    const pid1 = pid1Command(image, runtime.service.processes);
    const { kind, program } = classifyPid1(pid1.command, pid1Hints(evidence));
    const seen = pid1.measured ? 'PID 1 is' : 'PID 1 would be (from the image config; the service did not stay up)';
    const location = where(locate.lastInstruction('ENTRYPOINT') ?? locate.lastInstruction('CMD') ?? locate.finalFrom());
    const measured = { pid1: pid1.command, kind };
    if (kind === 'init')
      return { status: 'pass', message: `${seen} ${program} (\`${pid1.command}\`)`, measured, ...location };
    if (kind === 'shell')
      return {
        status: 'fail',
        message: `${seen} a shell (\`${pid1.command}\`): it does not forward SIGTERM to the app`,
        measured,
        ...location,
      };
    return {
      status: 'fail',
      message: `${seen} the app itself (\`${pid1.command}\`): no init forwards signals or reaps zombies`,
      measured,
      ...location,
    };
  },
});

export const checkExecForm = defineCheck({
  id: 'HARD-INIT-002',
  category: 'init',
  severity: 'warning',
  title: 'ENTRYPOINT and CMD in exec form',
  proves: "The image's ENTRYPOINT and CMD are JSON arrays, not shell form (stored as `/bin/sh -c …`).",
  why: 'Shell form puts a shell between the runtime and the app: signals stop at the shell, and arguments are re-parsed.',
  remediation: 'Write `CMD ["python", "-m", "app"]` instead of `CMD python -m app` (and the same for ENTRYPOINT).',
  needs: ['image'],
  run({ image }, { locate }) {
    const shellForm = (argv: string[] | null): boolean =>
      argv !== null && argv.length >= 3 && /^\/bin\/(ba|da)?sh$/.test(argv[0]) && argv[1] === '-c';
    const offenders = [shellForm(image.entrypoint) ? 'ENTRYPOINT' : null, shellForm(image.cmd) ? 'CMD' : null].filter(
      (keyword): keyword is string => keyword !== null,
    );
    if (offenders.length === 0)
      return {
        status: 'pass',
        message: `exec form: ENTRYPOINT ${JSON.stringify(image.entrypoint)}, CMD ${JSON.stringify(image.cmd)}`,
      };
    const keyword = offenders[0];
    const argv = keyword === 'CMD' ? image.cmd! : image.entrypoint!;
    return {
      status: 'fail',
      message: `${offenders.join(' and ')} in shell form: \`${argv.slice(2).join(' ')}\` runs under /bin/sh -c`,
      ...where(locate.lastInstruction(keyword)),
    };
  },
});
