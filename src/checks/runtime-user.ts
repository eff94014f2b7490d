import { defineCheck } from './registry.js';
import { where } from './where.js';

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
