import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgeDependencyOutages } from '../../src/checks/compose/dependency-outage.js';
import {
  dependencyPairs,
  outageWaves,
  outageWindow,
  pointsAt,
  type DependencyOutage,
} from '../../src/evidence/dependency-outage.js';
import { composeOf } from '../helpers/static.js';

// Which pairs a dependency outage proves (the stack's own files: declared, or named by the
// environment as a host), how long a probe is given, and HARD-COMPOSE-020 on each outcome.

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const file = (path: string): string => readFileSync(join(REPO, path), 'utf8');

describe('the pairs an outage proves', () => {
  it("takes the example stacks' declared dependencies", () => {
    const stack = composeOf({
      compose: file('examples/stack/compose.yaml'),
      env: { POSTGRES_PASSWORD: 'x', REDIS_PASSWORD: 'x' },
    });
    expect(dependencyPairs(stack.services)).toEqual([
      { service: 'app', dependency: 'postgres', via: 'depends_on' },
      { service: 'worker', dependency: 'redis', via: 'depends_on' },
    ]);
    const hardened = composeOf({
      compose: file('examples/hardened/docker-compose.yml'),
      env: { POSTGRES_PASSWORD: 'x', REDIS_PASSWORD: 'x' },
    });
    expect(dependencyPairs(hardened.services).map((pair) => `${pair.service}→${pair.dependency}`)).toEqual([
      'customer-success-mcp→postgres',
      'customer-success-mcp→redis',
    ]);
  });

  it('takes a service the environment names as a host, and nothing outside the stack', () => {
    const stack = composeOf({
      compose: [
        'services:',
        '  api:',
        '    image: api',
        '    environment:',
        '      DATABASE_URL: postgresql://app:pw@db:5432/app',
        '      CACHE: cache:6379',
        '      SEARCH_HOST: search',
        '      UPSTREAM: https://api.example.com/v1',
        '      DB_NAME: db',
        '  db: { image: postgres }',
        '  cache: { image: redis }',
        '  search: { image: opensearch }',
        '',
      ].join('\n'),
    });
    expect(dependencyPairs(stack.services)).toEqual([
      { service: 'api', dependency: 'db', via: 'DATABASE_URL' },
      { service: 'api', dependency: 'cache', via: 'CACHE' },
      { service: 'api', dependency: 'search', via: 'SEARCH_HOST' },
    ]);
  });

  it('reads a host only where a value names one', () => {
    expect(pointsAt('REDIS_URL', 'redis://:pw@redis:6379/0', 'redis')).toBe(true);
    expect(pointsAt('AMQP', 'amqp://guest:guest@rabbit/', 'rabbit')).toBe(true);
    expect(pointsAt('ES', 'http://search:9200', 'search')).toBe(true);
    expect(pointsAt('DB_HOST', 'db', 'db')).toBe(true);
    // A database's name, a word in a sentence, a longer host name: not the service.
    expect(pointsAt('DB_NAME', 'db', 'db')).toBe(false);
    expect(pointsAt('MOTD', 'welcome to redis land', 'redis')).toBe(false);
    expect(pointsAt('URL', 'http://redis-primary:6379', 'redis')).toBe(false);
    expect(pointsAt('URL', 'http://db.internal:5432', 'db')).toBe(false);
  });
});

describe('which outages run at once', () => {
  const pair = (service: string, dependency: string) => ({ service, dependency, via: 'depends_on' });
  it("runs the example stack's two together: they share no service", () => {
    const pairs = [pair('app', 'postgres'), pair('worker', 'redis')];
    expect(
      outageWaves(pairs, [
        { dependency: 'postgres', dependents: ['app'] },
        { dependency: 'redis', dependents: ['worker'] },
      ]),
    ).toEqual([['postgres', 'redis']]);
  });

  it('runs one after the other those a service shares, directly or through a chain', () => {
    const both = [pair('web', 'postgres'), pair('web', 'redis')];
    expect(
      outageWaves(both, [
        { dependency: 'postgres', dependents: ['web'] },
        { dependency: 'redis', dependents: ['web'] },
      ]),
    ).toEqual([['postgres'], ['redis']]);
    // web → api → db, and cache watched by web: db's outage reaches web through api.
    const chain = [pair('web', 'api'), pair('api', 'db'), pair('worker', 'cache'), pair('web', 'cache')];
    expect(
      outageWaves(chain, [
        { dependency: 'api', dependents: ['web'] },
        { dependency: 'db', dependents: ['api'] },
        { dependency: 'cache', dependents: ['worker', 'web'] },
      ]),
    ).toEqual([['api'], ['db'], ['cache']]);
  });
});

describe('how long a probe is given', () => {
  it("is Docker's: interval × retries + timeout, with its defaults", () => {
    const s = 1e9;
    expect(outageWindow({ Interval: 10 * s, Timeout: 5 * s, Retries: 5 })).toBe(55);
    expect(outageWindow({})).toBe(120);
  });
});

describe('HARD-COMPOSE-020', () => {
  const stack = composeOf({
    compose: [
      'services:',
      '  web:',
      '    image: web',
      '    depends_on: [db]',
      '    healthcheck:',
      '      test: ["CMD", "true"]',
      '  db: { image: postgres }',
      '',
    ].join('\n'),
  });
  const result = (overrides: Partial<DependencyOutage>): DependencyOutage => ({
    service: 'web',
    dependency: 'db',
    via: 'depends_on',
    outcome: 'noticed and recovered',
    noticedAfter: 1.2,
    recoveredAfter: 2.3,
    windowSeconds: 12,
    downSeconds: 3,
    ...overrides,
  });

  it('passes a probe that notices and recovers, fails one that does not notice as a warning and one that does not recover as an error', () => {
    const verdicts = judgeDependencyOutages(stack.services, [
      result({}),
      result({ outcome: 'not noticed', noticedAfter: null, recoveredAfter: null }),
      result({ outcome: 'not recovered', recoveredAfter: null, via: 'DATABASE_URL' }),
      result({ outcome: 'restarted' }),
    ]);
    expect(
      verdicts.map((verdict) => [verdict.status, verdict.severity, verdict.location?.line, verdict.message]),
    ).toEqual([
      [
        'pass',
        undefined,
        5,
        "web's health check notices db down in 1.2 s and recovers 2.3 s after it is back (window 12 s; depends_on)",
      ],
      ['fail', 'warning', 5, 'web stays healthy with db down for 12 s: its health check does not test db (depends_on)'],
      [
        'fail',
        undefined,
        5,
        "web's health check notices db down in 1.2 s and still fails 12 s after db is back: it does not reconnect",
      ],
      [
        'fail',
        'warning',
        5,
        'web exited while db was down and came back only through its restart policy: it does not ride out the outage',
      ],
    ]);
  });

  it('does not judge a probe that failed before the outage, or a dependency that did not come back', () => {
    const verdicts = judgeDependencyOutages(stack.services, [
      result({ outcome: 'not healthy before' }),
      result({ outcome: 'dependency not back', recoveredAfter: null }),
    ]);
    expect(verdicts.map((verdict) => verdict.status)).toEqual(['skip', 'skip']);
  });
});
