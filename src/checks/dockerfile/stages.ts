import { posix } from 'node:path';
import { copySources } from '../../evidence/app-file.js';
import {
  builtStages,
  configuredCommand,
  setsUpS6Overlay,
  stageChain,
  variablesAt,
  type DockerfileEvidence,
  type Instruction,
  type Stage,
} from '../../evidence/dockerfile.js';
import { resolveVariables } from '../../evidence/variables.js';
import { commandSecrets, isSecretName, placeholderSecret, redacted, secretIn } from '../../util/secrets.js';
import { defineCheck, type CheckContext, type Verdict } from '../registry.js';
import {
  baseSetsNoEntrypoint,
  classifyPid1,
  dependencyStep,
  fakeProbe,
  permissionOperands,
  privilegeDrop,
  type Pid1Hints,
} from '../../util/commands.js';
import { splitCommands } from '../../evidence/shell.js';
import { clipped } from '../../util/text.js';
import { baseSetsNoUserOrHealthcheck } from '../../util/image-reference.js';
import { labelCarrying } from '../label-keys.js';
import { standInUrl } from '../../util/stand-in-url.js';
import { where } from '../where.js';
import {
  built,
  copiedFrom,
  instructions,
  measuredBy,
  pathsAt,
  runCommands,
  shipped,
  startScript,
  startWord,
  verdicts,
  type StartScript,
} from './helpers.js';

// Dockerfile rules about what ships: the final stage and the stages it is FROM. Each has a
// measured counterpart in a full run and steps aside there.

export const checkMultiStage = defineCheck({
  id: 'HARD-DOCKERFILE-001',
  category: 'dockerfile',
  severity: 'notice',
  title: 'Multi-stage build',
  proves:
    'The Dockerfile has more than one stage and the shipped stage leaves the build behind: it does not start FROM a stage that installs build tools or builds (it would inherit all of it).',
  why: "A single stage ships whatever building needed: compilers, headers, caches; so does a runtime stage that starts FROM the builder. The production profile's hardening starts with a builder and a clean runtime stage.",
  remediation:
    'Build in a `FROM … AS builder` stage and `COPY --from=builder` only the artefacts into a runtime stage that starts from a clean base.',
  needs: ['dockerfile'],
  run({ dockerfile }, { locate }) {
    const count = dockerfile.stages.length;
    if (count < 2)
      return {
        status: 'fail',
        message: 'one stage: everything the build needs also ships',
        measured: count,
        ...where(locate.finalFrom()),
      };
    const chain = shipped(dockerfile);
    const shippedStage = chain[chain.length - 1];
    // The stages the shipped one starts from (FROM <stage>), nearest first: what it inherits.
    const builder = chain.slice(0, -1).reverse().find(buildsSomething);
    if (builder) {
      return {
        status: 'fail',
        message: `the shipped stage ${label(shippedStage)} starts FROM ${label(builder)} (line ${builder.line}), which builds: it inherits everything that stage installed and built`,
        measured: count,
        ...where(locate.finalFrom()),
      };
    }
    return {
      status: 'pass',
      message: `${count} stages (${dockerfile.stages.map(label).join(', ')}); ${label(shippedStage)} ships`,
      measured: count,
    };
  },
});

function label(stage: Stage): string {
  return stage.name ?? `#${stage.index}`;
}

const BUILD_COMMANDS =
  /\b(go\s+(build|install)|cargo\s+(build|install)|mvn|mvnw|gradle|gradlew|dotnet\s+(build|publish)|npm\s+run\s+build|yarn\s+build|pnpm\s+(run\s+)?build|make|cmake|gcc|g\+\+|javac|tsc|webpack|vite\s+build|pip\s+wheel|python3?\s+setup\.py\s+(build|bdist))\b/;

/** A stage that compiles or installs build tools: what a runtime stage must not start from. */
function buildsSomething(stage: Stage): boolean {
  const commands = runCommands([stage]);
  if (commands.some((command) => BUILD_COMMANDS.test(command.command.words.join(' ')))) return true;
  return commands.some(
    (command) =>
      INSTALLERS[command.program]?.test(command.args[0] ?? '') === true &&
      command.args.some((arg) => BUILD_PACKAGES.test(arg.replace(/[=:].*$/, ''))),
  );
}

/** A stage's base as a reader should see it: resolved, or as written where a build argument has no value. */
function baseShown(stage: Stage): string {
  return stage.baseUnresolved.length > 0 ? stage.baseRaw : stage.base;
}

export const checkDockerfileUser = defineCheck({
  id: 'HARD-USER-004',
  cis: ['4.1'],
  category: 'user',
  severity: 'error',
  title: 'The Dockerfile ends with a non-root USER',
  proves:
    'The last USER of the shipped stage (or of the stage it is FROM) is not root in any spelling: root, 0, 0:0, root:root. Without a USER the finding is a warning rather than an error where the container is seen to drop root itself: its ENTRYPOINT/CMD runs gosu, su-exec, s6-setuidgid, setpriv or chroot --userspec, or the entrypoint script it starts (read from the build context, or a here-document) runs one — or that script could not be read and the build installs gosu or su-exec. gosu run elsewhere in a RUN (`gosu postgres initdb`) says nothing of how the container starts. A base the Dockerfile cannot see into may set a USER: a warning too.',
  why: 'Without USER the container runs as the base image\'s user, root for almost every base; judged on the final stage, not "any stage".',
  remediation:
    'Create a user with a fixed UID and end the final stage with `USER <name>` (after the last step that needs root).',
  hadolint: ['DL3002'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const measured = measuredBy(context, 'image', 'HARD-USER-001 and HARD-USER-003');
    if (measured) return measured;
    const chain = shipped(dockerfile);
    const last = instructions(chain, 'USER').pop();
    if (!last) {
      const base = chain[0].base;
      if (/nonroot|non-root/i.test(base))
        return { status: 'pass', message: `no USER, but the base ${base} runs as a non-root user by its tag` };
      // The entrypoint drops root itself (gosu, su-exec, setpriv…): only where the image's
      // command runs one, or the script it starts does. The word elsewhere in a RUN (`gosu
      // postgres initdb`, a smoke test) says nothing of how the container starts.
      const drop = dropsPrivileges(dockerfile, chain, context);
      if (drop) {
        return {
          status: 'fail',
          severity: 'warning',
          message: `no USER: it starts as root; ${drop} — a full run measures the processes (HARD-USER-003)`,
          ...where(context.locate.finalFrom()),
        };
      }
      // A base the Dockerfile cannot see into (a company base, a vendor's image) may set a USER.
      const known = chain[0].baseUnresolved.length === 0 && baseSetsNoUserOrHealthcheck(base);
      return {
        status: 'fail',
        ...(known ? {} : { severity: 'warning' as const }),
        message:
          base === 'scratch'
            ? 'no USER in the shipped stage, and FROM scratch is an empty image (no user, no files): the container runs as UID 0'
            : known
              ? `no USER in the shipped stage: it runs as the user of its base image ${baseShown(chain[0])}, which is root`
              : `no USER in the shipped stage: it runs as the user of its base image ${baseShown(chain[0])}, root unless that image sets one (a full run measures it: HARD-USER-001)`,
        ...where(context.locate.finalFrom()),
      };
    }
    const written = last.instruction.args.trim();
    const { value, unresolved } = resolveVariables(written, variablesAt(dockerfile, chain, last.instruction.line));
    const location = context.locate.at(last.instruction);
    if (unresolved.length > 0)
      return {
        status: 'skip',
        message: `USER ${written}: set by a build argument without a default (${unresolved.join(', ')}), so only a build knows it — a full run measures the user (HARD-USER-001)`,
        location,
      };
    const user = value.split(':')[0].trim();
    if (user === '' || user === 'root' || user === '0') {
      return {
        status: 'fail',
        message: value === written ? `USER ${written} is root` : `USER ${written} is root (${value})`,
        measured: value,
        location,
      };
    }
    return { status: 'pass', message: `USER ${value}`, measured: value, location };
  },
});

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
    const last = instructions(shipped(dockerfile), 'HEALTHCHECK').pop();
    if (!last) {
      // A base the Dockerfile cannot see into may declare the HEALTHCHECK the stage inherits.
      const base = shipped(dockerfile)[0];
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
    const chain = shipped(dockerfile);
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
    const chain = shipped(dockerfile);
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

/** Programs an image installs to drop root with: a package, a download or a copy of gosu or su-exec. */
const DROPPER_PACKAGE = /^(gosu|su-exec)([=:].*)?$/;
const DROPPER_PATH = /^\/\S*\/(gosu|su-exec)$/;
const PACKAGE_TOOLS = /^(apt-get|apt|apt-cache|apk|dnf|yum|microdnf|zypper)$/;

function installsDropper(stages: Stage[]): string | null {
  for (const command of runCommands(stages)) {
    const operand = command.args.find(
      (arg) => (PACKAGE_TOOLS.test(command.program) && DROPPER_PACKAGE.test(arg)) || DROPPER_PATH.test(arg),
    );
    if (operand) return operand.replace(/[=:].*$/, '').replace(/^.*\//, '');
  }
  for (const stage of stages)
    for (const instruction of stage.instructions)
      if (
        (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') &&
        /(^|\/)(gosu|su-exec)(\s|$)/.test(instruction.args)
      )
        return /su-exec/.test(instruction.args) ? 'su-exec' : 'gosu';
  return null;
}

/**
 * Why the container is taken to drop root itself, or null: its ENTRYPOINT/CMD runs gosu, su-exec,
 * s6-setuidgid, setpriv or chroot --userspec; the script it starts (read from the build context
 * or a here-document) runs one; or that script could not be read and the build installs gosu or
 * su-exec, which it then likely exists to use.
 */
function dropsPrivileges(dockerfile: DockerfileEvidence, chain: Stage[], context: CheckContext): string | null {
  const { entrypoint, cmd } = configuredCommand(chain);
  const runsEntrypoint = entrypoint !== null && entrypoint.words.length > 0;
  const argv =
    runsEntrypoint && !entrypoint.exec ? entrypoint.words : [...(entrypoint?.words ?? []), ...(cmd?.words ?? [])];
  if (argv.length === 0) return null;
  const commands =
    /^(sh|bash|dash|ash)$/.test(posix.basename(argv[0])) && /^-[a-z]*c/.test(argv[1] ?? '')
      ? splitCommands(argv[2] ?? '').map((command) => command.words)
      : [argv];
  const direct = commands.map(privilegeDrop).find((found) => found !== null);
  if (direct) return `its command runs ${direct} (\`${clipped(argv.join(' '))}\`), so it drops privileges`;
  const script = startScript(dockerfile, chain, argv, context);
  if (!script || script.copied.from === 'stage') return null;
  if (script.facts?.drop) {
    const at = script.facts.drop.line !== null ? ` on its line ${script.facts.drop.line}` : '';
    return `its entrypoint ${script.written} (${copiedFrom(script)}) runs ${script.facts.drop.program}${at}, so it probably drops privileges`;
  }
  const installed = script.facts ? null : installsDropper(builtStages(dockerfile));
  return installed
    ? `it installs ${installed}, which its entrypoint ${script.written} (${copiedFrom(script)}) may use to drop privileges: the script could not be read here`
    : null;
}

export const checkDockerfileLabels = defineCheck({
  id: 'HARD-LABELS-003',
  category: 'labels',
  severity: 'warning',
  title: 'The Dockerfile sets the required labels',
  proves:
    'Every label in required-labels is set, with a value, by a LABEL of the shipped stages, read as Docker reads it (`key=value` pairs, or the legacy `LABEL maintainer "x"`); the OCI annotation keys count for the ones they mean: org.opencontainers.image.authors for maintainer, org.opencontainers.image.version for version. A value a build argument without a default gives counts as set.',
  why: 'Owner, version and security claims travel with the image only if the Dockerfile sets them.',
  threshold: 'required-labels: maintainer, version, security.non-root',
  remediation:
    'Add `LABEL maintainer="…" version="…" security.non-root="true"` to the final stage (or, for the first two, `org.opencontainers.image.authors` and `org.opencontainers.image.version`).',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const measured = measuredBy(context, 'image', 'HARD-LABELS-001');
    if (measured) return measured;
    const chain = shipped(dockerfile);
    const labels = instructions(chain, 'LABEL');
    // The value each key ends with (a later LABEL overrides), variables substituted.
    const values = new Map<string, { value: string; unresolved: boolean }>();
    for (const { instruction } of labels) {
      const lookup = variablesAt(dockerfile, chain, instruction.line);
      for (const { name, value } of instruction.labels ?? legacyLabels(instruction.args)) {
        const resolved = resolveVariables(value, lookup);
        values.set(name, { value: resolved.value, unresolved: resolved.unresolved.length > 0 });
      }
    }
    const hasValue = (key: string): boolean => {
      const entry = values.get(key);
      return entry !== undefined && (entry.unresolved || entry.value.trim() !== '');
    };
    const carriers = context.settings.requiredLabels.map((name) => ({ name, key: labelCarrying(name, hasValue) }));
    const missing = carriers.filter((carrier) => carrier.key === null).map((carrier) => carrier.name);
    const location = where(
      labels.length > 0 ? context.locate.at(labels[labels.length - 1].instruction) : context.locate.finalFrom(),
    );
    if (missing.length === 0)
      return {
        status: 'pass',
        message: `sets ${carriers.map(({ name, key }) => (key === name ? name : `${name} (as ${key})`)).join(', ')}`,
        ...location,
      };
    return {
      status: 'fail',
      message: `missing: ${missing.join(', ')}`,
      measured: missing,
      ...location,
    };
  },
});

/** `key=value` pairs of a LABEL read without the parser's help (evidence recorded before it was kept). */
function legacyLabels(args: string): { name: string; value: string }[] {
  return [...args.matchAll(/(?:^|\s)("[^"]+"|[^\s=]+)=("[^"]*"|\S*)/g)].map((match) => ({
    name: match[1].replace(/^"(.*)"$/, '$1'),
    value: match[2].replace(/^"(.*)"$/, '$1'),
  }));
}

const BUILD_PACKAGES =
  /^(gcc|g\+\+|cpp|make|cmake|build-essential|build-base|clang|llvm|gfortran|binutils|autoconf|automake|libtool|gdb|strace|(gcc|g\+\+|clang)-[\d.]+|golang(-go)?|default-jdk|openjdk-\d+-jdk(-headless)?)$/;
const INSTALLERS: Record<string, RegExp> = {
  'apt-get': /^install$/,
  apt: /^install$/,
  apk: /^add$/,
  yum: /^install$/,
  dnf: /^install$/,
  microdnf: /^install$/,
};
const REMOVERS = /^(purge|remove|autoremove|del|erase)$/;

export const checkDockerfileBuildTools = defineCheck({
  id: 'HARD-TOOLS-002',
  cis: ['4.3'],
  category: 'tools',
  severity: 'error',
  title: 'No build tools installed in the shipped stage',
  proves:
    'No RUN of the shipped stages installs a compiler or build tool package (gcc, g++, make, build-essential, build-base, clang…) that the same RUN does not remove again.',
  why: 'Tools installed in the final stage ship; the production profile moves compilers and -dev packages to a builder stage.',
  remediation: 'Install build tools in a builder stage and copy only the result into the runtime stage.',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const measured = measuredBy(context, 'filesystem', 'HARD-TOOLS-001');
    if (measured) return measured;
    const offenders: { instruction: Instruction; message: string }[] = [];
    const commands = runCommands(shipped(dockerfile));
    for (const command of commands) {
      const installer = INSTALLERS[command.program];
      if (!installer || !command.args.some((arg) => installer.test(arg))) continue;
      const sameRun = commands.filter(
        (other) => other.instruction === command.instruction && other.args.some((arg) => REMOVERS.test(arg)),
      );
      const removedLater = new Set(sameRun.flatMap((other) => other.args));
      // The official images' pattern: build deps marked auto and purged with --auto-remove, or
      // installed as an apk virtual package and deleted by that name, all in the same RUN.
      const autoRemoved = sameRun.some(
        (other) =>
          (other.program === 'apt-get' || other.program === 'apt') &&
          (other.args.includes('--auto-remove') || other.args.includes('autoremove')),
      );
      const virtual =
        command.program === 'apk'
          ? command.args[command.args.findIndex((arg) => arg === '--virtual' || arg === '-t') + 1]
          : undefined;
      if (autoRemoved || (virtual && removedLater.has(virtual))) continue;
      const tools = command.args.filter(
        (arg) => BUILD_PACKAGES.test(arg.replace(/[=:].*$/, '')) && !removedLater.has(arg),
      );
      if (tools.length > 0)
        offenders.push({
          instruction: command.instruction,
          message: `installs ${tools.join(', ')} in the shipped stage`,
        });
    }
    return verdicts(offenders, context, 'no build tool package is installed in the shipped stages');
  },
});

/** A COPY that brings the whole context (`.`, `./`, `*`). */
function copiesEverything(instruction: Instruction): boolean {
  return (
    (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') &&
    instruction.flags.from === undefined &&
    copySources(instruction).some((source) => /^(\.\/?|\*|\.\/\*)$/.test(source))
  );
}

export const checkDockerfileCacheOrder = defineCheck({
  id: 'HARD-CACHE-003',
  category: 'cache',
  severity: 'warning',
  title: 'Dependencies are installed before the application is copied',
  proves:
    'No stage copies the whole build context (`COPY . .`) and then fetches dependencies: an install (pip, npm, yarn, pnpm, bundler, composer, go mod download, cargo fetch, mvn dependency:go-offline, dotnet restore…), or a build that fetches them itself (go build, cargo build, mvn package, gradle build, dotnet build/publish) when they were not restored before the copy.',
  why: 'Every code change then invalidates the step that fetches dependencies: they are downloaded and installed again on each build.',
  remediation:
    'Copy the dependency manifest first and fetch, then copy the rest: `COPY requirements.txt . ; RUN pip install -r requirements.txt ; COPY . .` (`COPY go.mod go.sum ./ ; RUN go mod download`, `COPY *.csproj ./ ; RUN dotnet restore`, `COPY package*.json ./ ; RUN npm ci`).',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const measured = measuredBy(context, 'cacheProbe', 'HARD-CACHE-002');
    if (measured) return measured;
    const offenders: { instruction: Instruction; message: string }[] = [];
    for (const stage of built(dockerfile)) {
      const copy = stage.instructions.find(copiesEverything);
      if (!copy) continue;
      // Ecosystems whose dependencies were fetched before the copy (in this stage or one it is FROM).
      const before = new Set(
        stageChain({ ...dockerfile, finalStage: stage.index })
          .flatMap((chained) => chained.instructions)
          .filter(
            (instruction) =>
              instruction.keyword === 'RUN' &&
              (instruction.line < copy.line || !stage.instructions.includes(instruction)),
          )
          .map((instruction) => dependencyStep(instruction.args)?.ecosystem)
          .filter((name): name is string => name !== undefined),
      );
      for (const instruction of stage.instructions) {
        if (instruction.line <= copy.line || instruction.keyword !== 'RUN') continue;
        const step = dependencyStep(instruction.args);
        if (!step || (step.how === 'build' && before.has(step.ecosystem))) continue;
        const why =
          step.how === 'restore'
            ? ': every code change reinstalls the dependencies'
            : `, which fetches the ${step.ecosystem} dependencies itself: every code change fetches them again`;
        offenders.push({
          instruction: copy,
          message: `\`${copy.keyword} ${copy.args}\` copies the whole context before \`RUN ${instruction.args}\` (line ${instruction.line})${why}`,
        });
        break;
      }
    }
    return verdicts(offenders, context, 'no stage copies the whole context before installing dependencies');
  },
});

export const checkDockerfileSecrets = defineCheck({
  id: 'HARD-SECRETS-003',
  cis: ['4.10'],
  category: 'secrets',
  severity: 'error',
  title: 'No credentials in ARG or ENV',
  proves:
    'No ENV sets a secret-looking name to a literal value, and no ARG is meant to carry a credential (a secret-looking name, with or without a default). A stand-in is no credential: a placeholder (`changeme`, `dummy…`) or a URL that is plainly one, judged whole (at least two of generic credentials such as `user:pass`, a localhost or example host, a database named dummy, example or test).',
  why: 'ENV values ship in the image; build arguments used by RUN are recorded in its history; both are in the repository.',
  remediation: 'Use `RUN --mount=type=secret,id=…` for build-time secrets and runtime configuration for the rest.',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const envMeasured = context.evidence.image.state === 'collected';
    const ships = new Set(shipped(dockerfile).map((stage) => stage.index));
    const found: Verdict[] = [];
    // Every stage, built by this target or not: a literal credential is in the Dockerfile, and so
    // in the repository, whichever target builds its stage.
    for (const stage of dockerfile.stages) {
      for (const instruction of stage.instructions) {
        if (instruction.keyword !== 'ARG' && instruction.keyword !== 'ENV') continue;
        // The image's own ENV is measured by HARD-SECRETS-001; a stage that does not ship is not in it.
        if (instruction.keyword === 'ENV' && envMeasured && ships.has(stage.index)) continue;
        for (const match of instruction.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("[^"]*"|\S*))?/g)) {
          const [, name, raw] = match;
          const value = raw?.replace(/^"(.*)"$/, '$1');
          // A stand-in a build step needs (`DATABASE_URL=postgresql://user:pass@localhost/dummy`,
          // `SECRET_KEY=dummy…`) is no credential.
          const standIn = value !== undefined && (placeholderSecret(value) || standInUrl(value));
          const kind = value !== undefined && !standIn ? secretIn(name, value) : null;
          if (kind && instruction.keyword === 'ENV' && !ships.has(stage.index)) {
            found.push({
              status: 'fail',
              severity: 'warning',
              message: `ENV ${name} holds ${kind} ${redacted(value)} in stage ${label(stage)}, which does not ship: it is not in the image, but it is in the Dockerfile and the build's cache`,
              measured: name,
              location: context.locate.at(instruction),
            });
          } else if (kind) {
            found.push({
              status: 'fail',
              message: `${instruction.keyword} ${name} holds ${kind} ${redacted(value)}`,
              measured: name,
              location: context.locate.at(instruction),
            });
          } else if (instruction.keyword === 'ARG' && isSecretName(name) && !value) {
            found.push({
              status: 'fail',
              severity: 'warning',
              message: `ARG ${name} looks meant for a credential: a value given with --build-arg is recorded in the history of any RUN that uses it`,
              measured: name,
              location: context.locate.at(instruction),
            });
          }
        }
      }
    }
    return found.length > 0
      ? found
      : {
          status: 'pass',
          message: envMeasured
            ? "no ARG meant for a credential, and no credential in the ENV of a stage that does not ship (the image's ENV is measured by HARD-SECRETS-001)"
            : 'no credential in ARG or ENV',
        };
  },
});

const COMMAND_KEYWORDS = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK']);

export const checkDockerfileCommandSecrets = defineCheck({
  id: 'HARD-SECRETS-004',
  cis: ['4.10'],
  category: 'secrets',
  severity: 'error',
  title: 'No credentials on the command lines of the Dockerfile',
  proves:
    'No RUN, CMD, ENTRYPOINT or HEALTHCHECK writes a credential: `mysql -pSECRET`, `redis-cli -a SECRET`, `--password=SECRET`, `curl -u user:pass`, `PGPASSWORD=SECRET psql`, a token or a password in a URL (references such as `$DB_PASSWORD` are fine).',
  why: 'A RUN line is recorded in the image history and the build cache; CMD, ENTRYPOINT and HEALTHCHECK ship in the image config for anyone who pulls it; all of them are in the repository.',
  remediation:
    'Read the credential at run time (`$DB_PASSWORD`, a file under /run/secrets) and, for a build step, mount it: `RUN --mount=type=secret,id=npm_token …`.',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const building = new Set(built(dockerfile).map((stage) => stage.index));
    const found: Verdict[] = [];
    for (const stage of dockerfile.stages) {
      for (const instruction of stage.instructions) {
        if (!COMMAND_KEYWORDS.has(instruction.keyword)) continue;
        for (const secret of commandSecrets(instruction.args)) {
          // A stand-in a build step needs (`SECRET_KEY=dummy… manage.py collectstatic`) is no credential.
          if (placeholderSecret(secret.value)) continue;
          const elsewhere = !building.has(stage.index);
          found.push({
            status: 'fail',
            ...(elsewhere ? { severity: 'warning' as const } : {}),
            message: `${instruction.keyword} holds ${secret.kind} ${redacted(secret.value)} (${secret.name})${elsewhere ? ` in stage ${label(stage)}, which this target does not build: it is in the repository all the same` : ''}`,
            measured: secret.name,
            location: context.locate.at(instruction),
          });
        }
      }
    }
    return found.length > 0
      ? found
      : { status: 'pass', message: 'no credential on a RUN, CMD, ENTRYPOINT or HEALTHCHECK line' };
  },
});

export const checkCopyChown = defineCheck({
  id: 'HARD-DOCKERFILE-013',
  category: 'dockerfile',
  severity: 'warning',
  title: 'COPY --chown instead of a recursive chown',
  proves: 'No RUN changes ownership recursively (`chown -R`) of files a COPY or ADD in the same stage brought in.',
  why: 'A recursive chown rewrites every file into a new layer: the copied files ship twice, doubling their size.',
  remediation:
    'Set ownership while copying: `COPY --chown=<user>:<group> src/ /app/` (and keep code owned by root where the user need not write it).',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const offenders: { instruction: Instruction; message: string }[] = [];
    for (const stage of built(dockerfile)) {
      const chain = stageChain(dockerfile, stage.index);
      const copied: string[] = [];
      for (const instruction of stage.instructions) {
        const pathOf = pathsAt(dockerfile, chain, instruction.line);
        if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && instruction.flags.from === undefined) {
          const words = instruction.exec ?? instruction.args.split(/\s+/);
          const dest = pathOf(words[words.length - 1] ?? '.');
          if (dest !== null) copied.push(dest);
        }
        if (instruction.keyword !== 'RUN') continue;
        for (const command of runCommands([{ ...stage, instructions: [instruction] }])) {
          if (command.program !== 'chown') continue;
          const { paths, recursive } = permissionOperands('chown', command.args);
          if (!recursive) continue;
          const hit = paths
            .map(pathOf)
            .find(
              (target) =>
                target !== null &&
                copied.some(
                  (dest) => dest === target || dest.startsWith(`${target}/`) || target.startsWith(`${dest}/`),
                ),
            );
          if (hit) offenders.push({ instruction, message: `chown -R ${hit} rewrites copied files into a new layer` });
        }
      }
    }
    return verdicts(offenders, context, 'no recursive chown of copied files');
  },
});
