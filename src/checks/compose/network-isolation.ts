import type { ComposeService } from '../../evidence/compose.js';
import type { NetworkIsolation } from '../../evidence/network-isolation.js';
import type { Location } from '../../model.js';
import { defineCheck, type Verdict } from '../registry.js';
import { locationOf } from '../compose-keys.js';

// Isolation as the kernel has it (src/evidence/network-isolation.ts): a service claimed isolated —
// every network of it internal in the engine, or named in isolated-services — must have no default
// route in its network namespace. Services with a way out are said so, with the ports they publish
// on every host interface and whether anything listens behind them.

export const checkNetworkIsolation = defineCheck({
  id: 'HARD-COMPOSE-021',
  category: 'compose',
  severity: 'error',
  title: 'Services claimed isolated have no way out',
  proves:
    'For every running service whose networks are all internal (as the engine reports them), and every service named in isolated-services: its network namespace, read from inside by a helper that joins it and sends nothing, has no default route (IPv4 or IPv6). For every other service: its way out, and the ports it publishes on all host interfaces with whether anything listens behind them.',
  why: 'The production document keeps the database and cache on an internal network; a service that can reach out is one exfiltration or one pulled payload away, and a file that says `internal: true` proves nothing until the namespace is looked at.',
  threshold: 'isolated-services: none (the services on internal networks only)',
  remediation:
    'Put the service on `internal: true` networks only (a service that must be reached from outside goes through one that is not, such as a reverse proxy), or leave it out of isolated-services.',
  needs: ['compose', 'composeUp'],
  run({ compose, composeUp }, { settings }) {
    if (!settings.networkIsolation) return { status: 'skip', message: 'network-isolation is off' };
    if (!composeUp.networkIsolation)
      return { status: 'skip', message: 'not run: the stack did not come up (HARD-COMPOSE-012)' };
    return judgeNetworkIsolation(compose.services, composeUp.networkIsolation, settings.isolatedServices);
  },
});

export function judgeNetworkIsolation(
  services: ComposeService[],
  results: NetworkIsolation[],
  claimed: readonly string[],
): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const result of results) {
    const service = services.find((candidate) => candidate.name === result.service);
    const location: Location | undefined = service ? locationOf(service, 'networks') : undefined;
    const at = location ? { location } : {};
    const networks = result.networks
      .map((network) => `${network.name}${network.internal ? ' (internal)' : ''}`)
      .join(', ');
    const published =
      result.publishedEverywhere.length > 0
        ? `; publishes on all interfaces ${result.publishedEverywhere
            .map(
              (port) =>
                `${port.host} → ${port.container}${port.listening === null ? '' : port.listening ? ' (listening)' : ' (nothing listens)'}`,
            )
            .join(', ')}`
        : '';
    const internalOnly = result.networks.length > 0 && result.networks.every((network) => network.internal);
    const isClaimed = internalOnly || claimed.includes(result.service);
    const why = internalOnly
      ? `every network internal: ${networks}`
      : `named in isolated-services; networks ${networks || 'none'}`;
    if (result.error) {
      verdicts.push({
        status: 'skip',
        message: `${result.service}: its network namespace could not be read: ${result.error}`,
        measured: result,
        ...at,
      });
      continue;
    }
    if (!isClaimed) {
      verdicts.push({
        status: 'skip',
        message: `${result.service}: not claimed isolated; ${result.defaultRoutes.length > 0 ? `a way out: a default route ${result.defaultRoutes.map((route) => route.route).join(', ')}` : 'no default route'} (networks ${networks || 'none'})${published}`,
        measured: result,
        ...at,
      });
      continue;
    }
    const out = result.defaultRoutes.filter((route) => !route.internal);
    if (out.length > 0)
      verdicts.push({
        status: 'fail',
        message: `${result.service}: claimed isolated (${why}), yet its network namespace has a way out: a default route ${out.map((route) => `${route.route}${route.network ? ` on ${route.network}, not internal` : ''}`).join(', ')}${published}`,
        measured: result,
        ...at,
      });
    else if (result.defaultRoutes.length > 0)
      // Engines before 25 route an internal network's containers to its own bridge and drop what
      // leaves the subnet in the host's firewall: not a way out, and not provable from inside.
      verdicts.push({
        status: 'skip',
        message: `${result.service}: not proven from inside: its only default route goes to the bridge of internal network ${result.defaultRoutes.map((route) => `${route.network} (${route.route})`).join(', ')}, where this engine drops what leaves the subnet with firewall rules a container cannot read (Engine 25 and later give internal networks no gateway at all)${published}`,
        measured: result,
        ...at,
      });
    else
      verdicts.push({
        status: 'pass',
        message: `${result.service}: no default route in its network namespace (${why})${published}`,
        measured: result,
        ...at,
      });
  }
  for (const name of claimed)
    if (!results.some((result) => result.service === name))
      verdicts.push({
        status: 'skip',
        message: `${name}: named in isolated-services, and not running in the stack: nothing to read`,
      });
  return verdicts;
}
