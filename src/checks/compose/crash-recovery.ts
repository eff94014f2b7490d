import type { ComposeService } from '../../evidence/compose.js';
import type { CrashRecovery } from '../../evidence/crash-recovery.js';
import type { Location } from '../../model.js';
import { defineCheck, type Verdict } from '../registry.js';
import { locationOf } from '../compose-keys.js';

// Each service crashed once compose-up had the stack healthy (src/evidence/crash-recovery.ts):
// its restart policy must bring it back and its health check pass again within what Docker allows
// a started container. The finding lands on the `restart:` line, or the service's when none is written.

export const checkCrashRecovery = defineCheck({
  id: 'HARD-COMPOSE-019',
  category: 'compose',
  severity: 'error',
  title: 'Every service recovers from a crash',
  proves:
    "Each running service of the stack compose-up brought up, its main process killed (SIGKILL to its PID 1, from outside, as a crash ends it): the engine restarted it, and its health check — run as Docker runs it — passed again within the container's own start period + interval × retries + timeout (without a health check: running again within 10 s, and still running, not restarted again, 3 s later). One-shot services (exited 0) are told apart and not judged.",
  why: 'The production document promises automatic recovery from crashes (`restart: unless-stopped`); a service without a restart policy, or one that comes back and never becomes healthy again, stays down after the first crash in production.',
  threshold: "the service's start_period + interval × retries + timeout (at least 10 s)",
  remediation:
    'Give the service a restart policy (`restart: unless-stopped`); if it restarts but does not become healthy again, read its log after a restart: state it keeps on disk (a stale PID or lock file), or a dependency it only reaches at first start.',
  needs: ['compose', 'composeUp'],
  run({ compose, composeUp }, { settings }) {
    if (!settings.crashRecovery) return { status: 'skip', message: 'crash-recovery is off' };
    if (composeUp.crashRecoveryNotRun)
      return { status: 'skip', message: `not proven: ${composeUp.crashRecoveryNotRun}` };
    if (!composeUp.crashRecovery)
      return { status: 'skip', message: 'not run: the stack did not come up (HARD-COMPOSE-012)' };
    return judgeCrashRecovery(compose.services, composeUp.crashRecovery);
  },
});

export function judgeCrashRecovery(services: ComposeService[], results: CrashRecovery[]): Verdict[] {
  return results.map((result): Verdict => {
    const service = services.find((candidate) => candidate.name === result.service);
    const location: Location | undefined = service ? locationOf(service, 'restart') : undefined;
    const at = location ? { location } : {};
    const measured = result;
    const seconds = (value: number | null): string => `${(value ?? 0).toFixed(1)} s`;
    switch (result.outcome) {
      case 'recovered':
        return {
          status: 'pass',
          message: `${result.service}: killed, restarted by the engine after ${seconds(result.restartedAfter)} (restart ${result.policy}), ${result.measuredBy === 'health check' ? `its health check passes again ${seconds(result.healthyAfter)} after the kill` : 'running again (no health check to ask)'} (limit ${result.limitSeconds} s)`,
          measured,
          ...at,
        };
      case 'one-shot':
        return { status: 'skip', message: `${result.service}: one-shot, ${result.detail}`, measured, ...at };
      case 'not running':
        return {
          status: 'skip',
          message: `${result.service}: not crashed, it was not running: ${result.detail}`,
          measured,
          ...at,
        };
      case 'not killed':
        return {
          status: 'skip',
          message: `${result.service}: could not be crashed: ${result.detail}`,
          measured,
          ...at,
        };
      case 'not restarted':
        return {
          status: 'fail',
          message: `${result.service}: does not recover from a crash: ${result.detail}`,
          measured,
          ...at,
          ...(result.policy === 'no' ? { remediation: 'Add `restart: unless-stopped` to the service.' } : {}),
        };
      case 'not healthy again':
        return {
          status: 'fail',
          message: `${result.service}: ${result.detail} (restarted after ${seconds(result.restartedAfter)}, restart ${result.policy})`,
          measured,
          ...at,
        };
    }
  });
}
