import type { ResolvedUser } from '../evidence/accounts.js';
import { valueOf } from '../evidence/collected.js';
import { type CheckContext, defineCheck } from './registry.js';
import { where } from './where.js';
import { posix } from 'node:path';
import {
  type DockerfileEvidence,
  type Stage,
  builtStages,
  configuredCommand,
  variablesAt,
} from '../evidence/dockerfile.js';
import { resolveVariables } from '../evidence/variables.js';
import { privilegeDrop } from '../util/commands.js';
import { splitCommands } from '../evidence/shell.js';
import { clipped } from '../util/text.js';
import { baseSetsNoUserOrHealthcheck } from '../util/image-reference.js';
import {
  copiedFrom,
  instructions,
  measuredBy,
  runCommands,
  shippedStages,
  startScript,
  baseShown,
} from './dockerfile-helpers.js';

// Who the container runs as: the configured user, measured (HARD-USER-001, -002, -003, -005), or
// the Dockerfile's last USER where the image was not built (HARD-USER-004).

export function describeUser(user: ResolvedUser): string {
  const name = user.name ? `${user.name} ` : '';
  return `${name}(UID ${user.uid}, GID ${user.gid})`;
}

export const checkConfiguredUserIsNotRoot = defineCheck({
  id: 'HARD-USER-001',
  cis: ['4.1'],
  category: 'user',
  severity: 'error',
  title: 'Runs as a non-root user',
  proves: "The image's configured user, resolved through the image's own /etc/passwd, is not UID 0.",
  why: 'A process running as root in a container is root on the host as soon as anything breaks out; the production profile rates it CRITICAL.',
  threshold: 'UID ≠ 0 (root under any name: "", root, 0, 0:0, root:root, or a name mapped to UID 0)',
  remediation:
    'Create a user with a fixed UID (e.g. `RUN groupadd -g 1000 csops && useradd -u 1000 -g csops csops`) and end the final stage with `USER csops`.',
  needs: ['image', 'filesystem'],
  run({ image, filesystem }, { locate }) {
    const user = filesystem.configuredUser;
    const location = locate.lastInstruction('USER') ?? locate.finalFrom();
    const where = location ? { location } : {};
    const shown = image.user === '' ? 'USER is not set' : `USER '${image.user}'`;
    if (user.problem) return { status: 'fail', message: user.problem, measured: image.user, ...where };
    if (user.uid === 0) {
      // 'admin' with UID 0 is root too: say why, since the spelling does not show it.
      const spelledAsRoot = ['', 'root', '0'].includes(image.user.split(':')[0].trim());
      const alias = spelledAsRoot ? '' : ` (UID 0 in the image's /etc/passwd)`;
      return {
        status: 'fail',
        message: `runs as root: ${shown}${alias}, so the container runs as UID 0`,
        measured: 0,
        target: 'non-zero UID',
        ...where,
      };
    }
    return {
      status: 'pass',
      message: `${shown}: runs as ${describeUser(user)}`,
      measured: user.uid,
      target: 'non-zero UID',
      ...where,
    };
  },
});

export const checkExpectedUser = defineCheck({
  id: 'HARD-USER-002',
  category: 'user',
  severity: 'error',
  title: 'Runs as the expected user',
  proves: 'The configured user is expected-user and/or has UID expected-uid.',
  why: "File ownership (COPY --chown, volumes) and platform policies rely on one agreed UID; the production profile's example fixes csops, UID 1000.",
  threshold:
    "expected-user / expected-uid (the production profile's example: csops / 1000); skipped when neither is given",
  remediation: 'Create the expected user with the expected UID and set `USER` to it in the final stage.',
  needs: ['filesystem'],
  run({ filesystem }, { settings, locate }) {
    const { expectedUser, expectedUid } = settings;
    if (!expectedUser && expectedUid === null)
      return { status: 'skip', message: 'no expected-user or expected-uid given' };
    const user = filesystem.configuredUser;
    const location = locate.lastInstruction('USER') ?? locate.finalFrom();
    const where = location ? { location } : {};
    const wanted = [expectedUser || null, expectedUid === null ? null : `UID ${expectedUid}`]
      .filter(Boolean)
      .join(' / ');
    if (user.problem) return { status: 'fail', message: `${user.problem}; expected ${wanted}`, ...where };
    const nameOk = !expectedUser || user.name === expectedUser;
    const uidOk = expectedUid === null || user.uid === expectedUid;
    return {
      status: nameOk && uidOk ? 'pass' : 'fail',
      message: `runs as ${describeUser(user)}; expected ${wanted}`,
      measured: { name: user.name, uid: user.uid },
      target: { name: expectedUser || null, uid: expectedUid },
      ...where,
    };
  },
});

export const checkNumericUser = defineCheck({
  id: 'HARD-USER-005',
  category: 'user',
  severity: 'notice',
  title: 'USER is numeric, so Kubernetes can verify it is not root',
  proves: "The final USER names its user by UID (`10001` or `10001:10001`), as a Pod's `runAsNonRoot: true` requires.",
  why: 'The kubelet cannot look a name up in the image: with runAsNonRoot it refuses to start a container whose user is a name ("image has non-numeric user … cannot verify user is non-root") unless the Pod sets runAsUser.',
  threshold: 'numeric-user: notice (warning or error to gate on it; off to not ask)',
  remediation:
    'Write the UID and GID in the final stage (`USER 10001:10001`) — the summary gives the matching securityContext — or set runAsUser in the Pod.',
  needs: ['image'],
  run({ image }, { settings, locate, evidence }) {
    if (settings.numericUser === 'off') return { status: 'skip', message: 'numeric-user is off' };
    const location = locate.lastInstruction('USER') ?? locate.finalFrom();
    const where = location ? { location } : {};
    const [user, group] = image.user.split(':').map((part) => part.trim());
    if (!user || user === 'root' || user === '0') return { status: 'skip', message: 'runs as root: see HARD-USER-001' };
    if (/^\d+$/.test(user))
      return {
        status: 'pass',
        message: `USER '${image.user}' is numeric: runAsNonRoot can verify it`,
        measured: image.user,
        ...where,
      };
    // The numbers to write instead, from the image's own /etc/passwd when it was read.
    const resolved = valueOf(evidence.filesystem)?.configuredUser;
    const numeric =
      resolved && !resolved.problem
        ? ` — write USER ${resolved.uid}:${resolved.gid} (${user}${group ? `:${group}` : ''} in the image's /etc/passwd)`
        : '';
    return {
      status: 'fail',
      severity: settings.numericUser,
      message: `USER '${image.user}' is a name: a Pod with runAsNonRoot: true refuses to start it (the kubelet cannot verify a name is not root)${numeric}`,
      measured: image.user,
      target: 'a numeric UID',
      ...where,
    };
  },
});

export const checkRunningUser = defineCheck({
  id: 'HARD-USER-003',
  cis: ['4.1'],
  category: 'user',
  severity: 'error',
  title: 'The running service is not root',
  proves:
    "Every process of the running container has a non-zero UID (and the expected UID, when expected-uid is given), as the engine host sees them — or, where the service does not stay up, as `id` or the image's own /etc/passwd says.",
  why: 'USER can be undone by an entrypoint running as root, and a name can map to UID 0: only the running processes tell.',
  threshold: 'UID ≠ 0; = expected-uid when given',
  remediation:
    'Set a non-root USER in the final stage and make sure the entrypoint does not run as root (no privilege-dropping wrapper left as root, no `USER root` after it).',
  needs: ['runtime'],
  run({ runtime }, { settings, locate }) {
    const { identity } = runtime;
    const location = where(locate.lastInstruction('USER') ?? locate.finalFrom());
    if (identity.uid === null)
      return { status: 'fail', message: `the user could not be determined: ${identity.detail}`, ...location };
    const measured = { uid: identity.uid, gid: identity.gid, method: identity.method };
    if (identity.uid === 0)
      return {
        status: 'fail',
        message: `runs as root (UID 0) — ${identity.detail}`,
        measured,
        target: 'non-zero UID',
        ...location,
      };
    if (settings.expectedUid !== null && identity.uid !== settings.expectedUid) {
      return {
        status: 'fail',
        message: `runs as UID ${identity.uid}, expected ${settings.expectedUid} — ${identity.detail}`,
        measured,
        target: settings.expectedUid,
        ...location,
      };
    }
    return {
      status: 'pass',
      message: `runs as UID ${identity.uid}, GID ${identity.gid} — ${identity.detail}`,
      measured,
      target: settings.expectedUid ?? 'non-zero UID',
      ...location,
    };
  },
});

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
    const chain = shippedStages(dockerfile);
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
