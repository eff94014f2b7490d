import { pid1Command, pid1Hints } from './pid1.js';
import { builtStages, configuredCommand, setsUpS6Overlay } from '../evidence/dockerfile.js';
import { type Pid1Hints, baseSetsNoEntrypoint, classifyPid1 } from '../util/commands.js';
import { type Verdict, defineCheck } from './registry.js';
import { where } from './where.js';
import { posix } from 'node:path';
import { clipped } from '../util/text.js';
import {
  type StartScript,
  copiedFrom,
  instructions,
  measuredBy,
  shippedStages,
  startScript,
  startWord,
  verdicts,
  baseShown,
} from './dockerfile-helpers.js';

// An init as PID 1 and an exec-form command: measured in the running container (HARD-INIT-001,
// -002), read from the Dockerfile where it did not run (HARD-INIT-003, -004).

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

export const checkDockerfileExecForm = defineCheck({
  id: 'HARD-INIT-003',
  category: 'init',
  severity: 'warning',
  title: 'The Dockerfile writes CMD and ENTRYPOINT in exec form',
  proves: "The shipped stage's last CMD and ENTRYPOINT are JSON arrays.",
  why: 'Shell form runs the app under /bin/sh -c, which does not pass SIGTERM on.',
  remediation: 'Write `CMD ["python", "-m", "app"]` instead of `CMD python -m app`.',
  hadolint: ['DL3025'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const measured = measuredBy(context, 'image', 'HARD-INIT-002');
    if (measured) return measured;
    const chain = shippedStages(dockerfile);
    const offenders = ['ENTRYPOINT', 'CMD'].flatMap((keyword) => {
      const last = instructions(chain, keyword).pop();
      return last && !last.instruction.exec
        ? [{ instruction: last.instruction, message: `${keyword} ${last.instruction.args} is in shell form` }]
        : [];
    });
    return verdicts(offenders, context, 'CMD and ENTRYPOINT are in exec form (or not set)');
  },
});

export const checkDockerfileInit = defineCheck({
  id: 'HARD-INIT-004',
  category: 'init',
  severity: 'warning',
  title: 'An init is set up as PID 1',
  proves:
    "The shipped stage's ENTRYPOINT and CMD, as Docker composes them, start an init (tini, dumb-init, catatonit, s6-svscan, runsvdir, supervisord, my_init, or s6-overlay's /init where the Dockerfile sets up s6-overlay), or a compose service built from this Dockerfile sets `init: true`. Where they start a script copied from the build context (or written by a here-document), the script is read: PID 1 is what it execs (`exec supervisord`, `exec \"$@\"` with CMD's arguments), or the shell running it where it execs nothing. Where the Dockerfile cannot tell — no ENTRYPOINT or CMD (the base image's), only a CMD over a base whose ENTRYPOINT may run it (node's, postgres' docker-entrypoint.sh; any base not known to set none), a /init nothing here sets up, a script that could not be read or execs different programs by its arguments — the finding is a notice: a full run measures PID 1.",
  why: 'Without an init, signals are not forwarded and zombies are not reaped; the production profile runs tini.',
  remediation: 'Install tini and use `ENTRYPOINT ["tini", "--"]`, or set `init: true` on the compose service.',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const measured = measuredBy(context, 'runtime', 'HARD-INIT-001');
    if (measured) return measured;
    const chain = shippedStages(dockerfile);
    const { entrypoint, cmd } = configuredCommand(chain);
    // s6-overlay's files may come from a stage copied in as well as from the shipped ones.
    const hints = { s6Overlay: setsUpS6Overlay(builtStages(dockerfile)) };
    // PID 1 runs ENTRYPOINT with CMD as its arguments; an empty ENTRYPOINT ([]) leaves CMD alone,
    // and a shell-form ENTRYPOINT ignores CMD.
    const runsEntrypoint = entrypoint !== null && entrypoint.words.length > 0;
    const argv =
      runsEntrypoint && !entrypoint.exec ? entrypoint.words : [...(entrypoint?.words ?? []), ...(cmd?.words ?? [])];
    const first = runsEntrypoint ? entrypoint : cmd;
    const location = where(first ? context.locate.at(first.instruction) : context.locate.finalFrom());
    const { kind, program } = classifyPid1(argv.join(' '), hints);
    if (kind === 'init')
      return { status: 'pass', message: `PID 1 will be ${program} (\`${clipped(argv.join(' '))}\`)`, ...location };
    const compose = context.evidence.compose.state === 'collected' ? context.evidence.compose.value : undefined;
    const viaCompose = compose?.services.find(
      (service) => service.init === true && service.dockerfile === dockerfile.path,
    );
    if (viaCompose)
      return {
        status: 'pass',
        message: `compose service ${viaCompose.name} sets init: true (${viaCompose.file}:${viaCompose.line})`,
      };
    const measuredLater = 'a full run measures PID 1 (HARD-INIT-001)';
    if (argv.length === 0)
      return {
        status: 'fail',
        severity: 'notice',
        message: `no ENTRYPOINT or CMD in the shipped stages: PID 1 is what the base image ${baseShown(chain[0])} runs, which this Dockerfile does not show; ${measuredLater}`,
        ...location,
      };
    if (argv[0] === '/init')
      return {
        status: 'fail',
        severity: 'notice',
        message: `PID 1 will be \`${argv.join(' ')}\`: s6-overlay's entry point has that name, but nothing in this Dockerfile sets up s6-overlay (the base image ${baseShown(chain[0])} may); ${measuredLater}`,
        ...location,
      };
    // Only CMD is set: the base image's ENTRYPOINT, where it has one, runs it (node's, postgres'
    // docker-entrypoint.sh), and the Dockerfile does not show whether it does.
    if (
      entrypoint === null &&
      cmd !== null &&
      (chain[0].baseUnresolved.length > 0 || !baseSetsNoEntrypoint(chain[0].base))
    )
      return {
        status: 'fail',
        severity: 'notice',
        message: `only CMD is set (\`${clipped(cmd.words.join(' '))}\`): PID 1 is the ENTRYPOINT of the base image ${baseShown(chain[0])} where it has one, with CMD as its arguments, which this Dockerfile does not show; ${measuredLater}`,
        ...location,
      };
    const script = startScript(dockerfile, chain, argv, context);
    if (script && script.copied.from !== 'stage') {
      const verdict = scriptPid1(script, hints);
      return { ...verdict, message: `PID 1 starts as \`${clipped(argv.join(' '))}\`; ${verdict.message}`, ...location };
    }
    const handsOver =
      runsEntrypoint && entrypoint.exec && cmd !== null ? classifyPid1(cmd.words.join(' '), hints) : null;
    if (handsOver?.kind === 'init')
      return {
        status: 'fail',
        severity: 'notice',
        message: `PID 1 will be \`${clipped(entrypoint!.words.join(' '))}\`, which hands over to CMD's ${handsOver.program} (an init) if it ends with \`exec "$@"\`, as entrypoint scripts do; ${measuredLater}`,
        ...location,
      };
    // A script this Dockerfile does not show (another stage's, one a RUN links, the base image's):
    // only it says.
    const start = startWord(argv);
    if (start && SCRIPT_NAME.test(posix.basename(start.written))) {
      const whence = script
        ? `which comes from another stage or image (${script.copied.instruction.keyword} on line ${script.copied.instruction.line})`
        : 'which no COPY of this Dockerfile brings from the build context (a RUN makes it, or the base image has it)';
      return {
        status: 'fail',
        severity: 'notice',
        message: `PID 1 starts as \`${clipped(argv.join(' '))}\`; what it becomes is up to the script ${start.written}, ${whence}; ${measuredLater}`,
        ...location,
      };
    }
    return { status: 'fail', message: `PID 1 will be \`${clipped(argv.join(' '))}\`, not an init`, ...location };
  },
});

/** Names that say a file is a script: what it execs decides what PID 1 becomes. */
const SCRIPT_NAME = /\.(sh|bash)$|(^|[-_])(entrypoint|start|run|init)([-_.]|$)/;

const ALL_ARGUMENTS = /^\$(@|\*|\{@\}|\{\*\})$/;

/**
 * What PID 1 becomes through a script copied in: what it execs, as read from it (`"$@"` being the
 * arguments it is given). The shell running it stays PID 1 where it execs nothing; where it
 * execs inits and other programs on different paths, or a program a variable names, only a
 * run tells.
 */
function scriptPid1(script: StartScript, hints: Pid1Hints): Verdict {
  const measuredLater = 'a full run measures PID 1 (HARD-INIT-001)';
  const source = `${script.written} (${copiedFrom(script)})`;
  const { facts } = script;
  if (!facts)
    return {
      status: 'fail',
      severity: 'notice',
      message: `what it becomes is up to the script ${source}, which could not be read here; ${measuredLater}`,
    };
  if (!facts.shell && !script.viaShell)
    return {
      status: 'fail',
      severity: 'notice',
      message: `what it becomes is up to the ${facts.interpreter ?? 'non-shell'} script ${source}, which is not read as a shell script; ${measuredLater}`,
    };
  if (facts.execs.length === 0)
    return {
      status: 'fail',
      message: `the shell running ${source} stays PID 1, as the script execs nothing: a shell neither forwards signals nor reaps, so it is not an init`,
    };
  const targets = facts.execs.map((exec) => {
    const words = ALL_ARGUMENTS.test(exec.words[0]) ? [...script.args, ...exec.words.slice(1)] : exec.words;
    const at = exec.line !== null ? ` (line ${exec.line})` : '';
    if (words.length === 0 || words[0].includes('$'))
      return { kind: 'unknown' as const, shown: `\`${exec.words.join(' ')}\`${at}` };
    const { kind, program } = classifyPid1(words.join(' '), hints);
    return { kind, shown: `${program}${at}` };
  });
  const list = (items: typeof targets): string => items.map((item) => item.shown).join(', ');
  if (targets.every((target) => target.kind === 'init'))
    return { status: 'pass', message: `the script ${source} execs ${list(targets)}: an init becomes PID 1` };
  if (targets.every((target) => target.kind !== 'init' && target.kind !== 'unknown'))
    return { status: 'fail', message: `the script ${source} execs ${list(targets)}, not an init` };
  return {
    status: 'fail',
    severity: 'notice',
    message: `the script ${source} execs ${list(targets)}: which one PID 1 becomes depends on its arguments or a variable; ${measuredLater}`,
  };
}
