import type { ResolvedUser } from '../evidence/accounts.js';
import { defineCheck } from './registry.js';

export function describeUser(user: ResolvedUser): string {
  const name = user.name ? `${user.name} ` : '';
  return `${name}(UID ${user.uid}, GID ${user.gid})`;
}

export const checkConfiguredUserIsNotRoot = defineCheck({
  id: 'HARD-USER-001',
  category: 'user',
  severity: 'error',
  title: 'Runs as a non-root user',
  proves: "The image's configured user, resolved through the image's own /etc/passwd, is not UID 0.",
  why: 'A process running as root in a container is root on the host as soon as anything breaks out; the seed calls this CRITICAL.',
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
  why: 'File ownership (COPY --chown, volumes) and platform policies rely on one agreed UID; the seed fixes csops, UID 1000.',
  threshold: 'expected-user / expected-uid (seed: csops / 1000); skipped when neither is given',
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
