import type { ComposeService } from '../../evidence/compose.js';
import type { DependencyOutage } from '../../evidence/dependency-outage.js';
import type { Location } from '../../model.js';
import { defineCheck, type Verdict } from '../registry.js';
import { locationOf } from '../compose-keys.js';

// Each dependency stopped once compose-up had the stack healthy (src/evidence/dependency-outage.ts):
// a health check that claims to test its dependencies must notice the outage and pass again when
// the dependency is back. Not noticing is a warning (a liveness-style probe that leaves the
// database out is a choice some make on purpose); not recovering is an error: the service stays
// unhealthy, or broken, after the outage has ended. Findings land on the service's healthcheck.

export const checkDependencyOutage = defineCheck({
  id: 'HARD-COMPOSE-020',
  category: 'compose',
  severity: 'error',
  title: 'Health checks notice a dependency outage and recover from it',
  proves:
    "For every service with a health check and every dependency it declares (depends_on) or points its environment at: with the dependency stopped, the service's own probe (run as Docker runs it, every 0.5 s) failed within its interval × retries + timeout; with the dependency back, the probe passed again within the same, and the service was not restarted.",
  why: 'The production document promises health checks that test database and Redis connectivity, and depends_on: service_healthy gates built on them; only an outage shows whether the check tests the dependency, and whether the service reconnects when it returns.',
  threshold: "the service's interval × retries + timeout, each way",
  remediation:
    'Make the health check ask each dependency the service needs (a query, `pg_isready`, `redis-cli ping`), and make the service reconnect instead of keeping a dead connection or exiting.',
  needs: ['compose', 'composeUp'],
  run({ compose, composeUp }, { settings }) {
    if (!settings.dependencyOutage) return { status: 'skip', message: 'dependency-outage is off' };
    if (!composeUp.dependencyOutages)
      return { status: 'skip', message: 'not run: the stack did not come up (HARD-COMPOSE-012)' };
    if (composeUp.dependencyOutages.length === 0)
      return {
        status: 'skip',
        message: 'no running service with a health check declares or points at another service of the stack',
      };
    return judgeDependencyOutages(compose.services, composeUp.dependencyOutages);
  },
});

export function judgeDependencyOutages(services: ComposeService[], results: DependencyOutage[]): Verdict[] {
  return results.map((result): Verdict => {
    const service = services.find((candidate) => candidate.name === result.service);
    const location: Location | undefined = service ? locationOf(service, 'healthcheck') : undefined;
    const at = location ? { location } : {};
    const { service: name, dependency } = result;
    const seconds = (value: number | null): string => `${(value ?? 0).toFixed(1)} s`;
    const measured = result;
    switch (result.outcome) {
      case 'noticed and recovered':
        return {
          status: 'pass',
          message: `${name}'s health check notices ${dependency} down in ${seconds(result.noticedAfter)} and recovers ${seconds(result.recoveredAfter)} after it is back (window ${result.windowSeconds} s; ${via(result)})`,
          measured,
          ...at,
        };
      case 'not noticed':
        return {
          status: 'fail',
          severity: 'warning',
          message: `${name} stays healthy with ${dependency} down for ${result.windowSeconds} s: its health check does not test ${dependency} (${via(result)})`,
          measured,
          ...at,
        };
      case 'not recovered':
        return {
          status: 'fail',
          message: `${name}'s health check notices ${dependency} down in ${seconds(result.noticedAfter)} and still fails ${result.windowSeconds} s after ${dependency} is back: it does not reconnect`,
          measured,
          ...at,
        };
      case 'restarted':
        return {
          status: 'fail',
          severity: 'warning',
          message: `${name} exited while ${dependency} was down and came back only through its restart policy: it does not ride out the outage`,
          measured,
          ...at,
        };
      case 'not healthy before':
        return {
          status: 'skip',
          message: `${name}: its health check did not pass before ${dependency} was stopped: nothing to compare`,
          measured,
          ...at,
        };
      case 'dependency not back':
        return {
          status: 'skip',
          message: `${name}: ${dependency} did not come back after it was started again, so ${name}'s recovery could not be judged (its probe noticed the outage in ${seconds(result.noticedAfter)})`,
          measured,
          ...at,
        };
    }
  });
}

const via = (result: DependencyOutage): string =>
  result.via === 'depends_on' ? 'depends_on' : `its ${result.via} points at ${result.dependency}`;
