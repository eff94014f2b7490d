import type { ResolvedUser } from '../evidence/accounts.js';
import { valueOf } from '../evidence/collected.js';
import { defineCheck } from './registry.js';

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
