import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgeNetworkIsolation } from '../../src/checks/compose/network-isolation.js';
import { defaultRoutes, listeningPorts, type NetworkIsolation } from '../../src/evidence/network-isolation.js';
import { composeOf } from '../helpers/static.js';

// HARD-COMPOSE-021 on what a helper read from inside real containers' network namespaces
// (__tests__/fixtures/netns: /proc/net/route, ipv6_route, tcp, tcp6 — on Engine 20.10 a container
// on an internal network and one on a bridge network running httpd on 8080 published as 18080; on
// Engine 28.5 a container on an internal network).

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (name: string): string => readFileSync(join(REPO, '__tests__/fixtures/netns', name), 'utf8');

describe('reading a network namespace', () => {
  it("finds the default route Engine 20.10 keeps on an internal network, and IPv6's reject routes on lo are none", () => {
    expect(defaultRoutes(read('internal-20.10.txt'))).toEqual([
      { route: 'via 172.18.0.1 (eth0)', gateway: '172.18.0.1' },
    ]);
    expect(defaultRoutes(read('bridge-20.10.txt'))).toEqual([
      { route: 'via 172.19.0.1 (eth0)', gateway: '172.19.0.1' },
    ]);
    // Engine 25 and later give an internal network no gateway: no way out, and none to be found.
    expect(defaultRoutes(read('internal-28.5.txt'))).toEqual([]);
    expect(defaultRoutes('== route\nIface\tDestination\tGateway\n== ipv6_route\n')).toEqual([]);
  });

  it('finds the listening sockets (IPv4 and IPv6)', () => {
    // httpd on every address (tcp6 ::), and the engine's DNS resolver on 127.0.0.11.
    expect([...listeningPorts(read('bridge-20.10.txt'))].sort()).toEqual([43335, 8080].sort());
    expect(listeningPorts(read('bridge-20.10.txt')).has(8080)).toBe(true);
    expect(listeningPorts(read('internal-20.10.txt')).has(8080)).toBe(false);
  });
});

describe('HARD-COMPOSE-021', () => {
  const stack = composeOf({
    compose: [
      'services:',
      '  db:',
      '    image: postgres',
      '    networks: [backend]',
      '  web:',
      '    image: web',
      '    networks: [frontend]',
      'networks:',
      '  backend: { internal: true }',
      '  frontend: {}',
      '',
    ].join('\n'),
  });
  const isolation = (overrides: Partial<NetworkIsolation>): NetworkIsolation => ({
    service: 'db',
    networks: [{ name: 'p_backend', internal: true }],
    defaultRoutes: [],
    publishedEverywhere: [],
    error: null,
    ...overrides,
  });

  it('passes a service on internal networks only whose namespace has no default route, on its networks line', () => {
    const [verdict] = judgeNetworkIsolation(stack.services, [isolation({})], []);
    expect(verdict).toMatchObject({
      status: 'pass',
      message: 'db: no default route in its network namespace (every network internal: p_backend (internal))',
      location: { file: 'compose.yaml', line: 4 },
    });
  });

  it("does not judge the route an older engine keeps to an internal network's own bridge", () => {
    const [verdict] = judgeNetworkIsolation(
      stack.services,
      [
        isolation({
          defaultRoutes: [
            { route: 'via 172.18.0.1 (eth0)', gateway: '172.18.0.1', network: 'p_backend', internal: true },
          ],
        }),
      ],
      [],
    );
    expect(verdict.status).toBe('skip');
    expect(verdict.message).toMatch(
      /^db: not proven from inside: its only default route goes to the bridge of internal network p_backend/,
    );
  });

  it('fails a service claimed isolated that has a way out, and lists what a service publishes on every interface', () => {
    const web = isolation({
      service: 'web',
      networks: [{ name: 'p_frontend', internal: false }],
      defaultRoutes: [
        { route: 'via 172.19.0.1 (eth0)', gateway: '172.19.0.1', network: 'p_frontend', internal: false },
      ],
      publishedEverywhere: [{ host: '0.0.0.0:18080', container: '8080/tcp', listening: true }],
    });
    const [claimed] = judgeNetworkIsolation(stack.services, [web], ['web']);
    expect(claimed).toMatchObject({
      status: 'fail',
      message:
        'web: claimed isolated (named in isolated-services; networks p_frontend), yet its network namespace has a way out: a default route via 172.19.0.1 (eth0) on p_frontend, not internal; publishes on all interfaces 0.0.0.0:18080 → 8080/tcp (listening)',
      location: { line: 7 },
    });
    const [unclaimed] = judgeNetworkIsolation(stack.services, [web], []);
    expect(unclaimed.status).toBe('skip');
    expect(unclaimed.message).toBe(
      'web: not claimed isolated; a way out: a default route via 172.19.0.1 (eth0) (networks p_frontend); publishes on all interfaces 0.0.0.0:18080 → 8080/tcp (listening)',
    );
  });

  it('says a claimed service that is not running, and one whose namespace could not be read', () => {
    const verdicts = judgeNetworkIsolation(stack.services, [isolation({ error: 'the helper exited 1' })], ['cache']);
    expect(verdicts.map((verdict) => [verdict.status, verdict.message])).toEqual([
      ['skip', 'db: its network namespace could not be read: the helper exited 1'],
      ['skip', 'cache: named in isolated-services, and not running in the stack: nothing to read'],
    ]);
  });
});
