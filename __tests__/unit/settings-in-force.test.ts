import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeBytes, compareSettings, judgeSettingsInForce } from '../../src/checks/compose/in-force.js';
import type { ComposeUpRecord } from '../../src/evidence/compose-up.js';
import type { SettingsInForce } from '../../src/evidence/settings-in-force.js';
import { composeOf } from '../helpers/static.js';

// HARD-COMPOSE-016 on the settings compose-up recorded from real containers, beside the compose
// files that asked for them: what matches is in force, and each way a value can fail to take
// effect is found on the line that writes it. Variations change one recorded value at a time.

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const recorded = JSON.parse(
  readFileSync(join(REPO, '__tests__/fixtures/evidence/28.5-containerd/settings-in-force.json'), 'utf8'),
) as Record<string, SettingsInForce>;
const file = (path: string): string => readFileSync(join(REPO, path), 'utf8');

const example = composeOf({
  compose: file('examples/hardened/docker-compose.yml'),
  env: { POSTGRES_PASSWORD: 'x', REDIS_PASSWORD: 'x' },
});
const service = (compose: ReturnType<typeof composeOf>, name: string) =>
  compose.services.find((candidate) => candidate.name === name)!;
const app = service(example, 'customer-success-mcp');
const appSettings = recorded['examples/hardened/docker-compose.yml#customer-success-mcp'];

const up = (services: { service: string; settings?: SettingsInForce; state?: string }[]): ComposeUpRecord => ({
  files: [],
  project: 'p',
  ok: true,
  seconds: 1,
  output: '',
  gates: [],
  services: services.map(({ service: name, settings, state }) => ({
    service: name,
    image: 'sha256:0',
    state: state ?? 'running',
    health: null,
    exitCode: 0,
    startedAt: 0,
    healthyAt: null,
    ...(settings ? { settings } : {}),
  })),
});

describe('composeBytes: sizes as compose reads them (binary multiples)', () => {
  it.each([
    ['2G', 2 * 1024 ** 3],
    ['512M', 512 * 1024 ** 2],
    ['512m', 512 * 1024 ** 2],
    ['64mb', 64 * 1024 ** 2],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['100k', 102400],
    ['1000', 1000],
    [1073741824, 1073741824],
  ])('%s → %d bytes', (written, bytes) => {
    expect(composeBytes(written)).toBe(bytes);
  });

  it.each([[''], ['lots'], ['-1g'], ['1x'], [null], [true]])('%p is not read (never guessed)', (written) => {
    expect(composeBytes(written)).toBeNull();
  });
});

describe('compareSettings on the recorded example stack', () => {
  it('finds everything the app service writes in force, and names the CPU reservation as swarm-only', () => {
    expect(compareSettings(app, appSettings)).toEqual({
      inForce: [
        'memory 2G',
        'memory reservation 512M',
        '2.0 CPUs',
        'read-only',
        'cap_drop ALL',
        'no-new-privileges',
        'json-file max-size 10m max-file 3 labels service,environment',
      ],
      differences: [],
      swarmOnly: ['CPU reservation'],
    });
  });

  it('judges the recorded postgres service too: limits in force, nothing else written', () => {
    const postgres = compareSettings(
      service(example, 'postgres'),
      recorded['examples/hardened/docker-compose.yml#postgres'],
    );
    expect(postgres.differences).toEqual([]);
    expect(postgres.inForce.slice(0, 3)).toEqual(['memory 1G', 'memory reservation 256M', '1.0 CPUs']);
  });

  it.each<[string, Partial<SettingsInForce>, string, string]>([
    ['a memory limit the engine did not apply', { memoryBytes: 0 }, 'memory limit', 'none'],
    [
      'a memory limit the cgroup does not enforce',
      { cgroupMemoryBytes: 24 * 1024 ** 3 },
      'memory limit',
      'none enforced: the engine recorded 2.15 GB, its cgroup allows 25.77 GB',
    ],
    ['another memory reservation', { memoryReservationBytes: 0 }, 'memory reservation', 'none'],
    ['another CPU limit', { cpus: 1 }, 'CPU limit', '1 CPUs'],
    ['a writable root', { readOnly: false }, 'read-only root filesystem', 'writable'],
    ['capabilities not dropped', { capDrop: [] }, 'cap_drop', 'none'],
    ['privileges that can be gained', { securityOpt: [] }, 'no-new-privileges', 'none'],
    ['another log driver', { logDriver: 'local' }, 'log driver', 'local'],
    [
      'a log option lost',
      { logOptions: { 'max-size': '10m', labels: 'service,environment' } },
      'log option max-file',
      'unset',
    ],
  ])('finds %s, on the line that writes it', (_, change, setting, inForce) => {
    const { differences } = compareSettings(app, { ...appSettings, ...change });
    expect(differences).toHaveLength(1);
    expect(differences[0]).toMatchObject({ setting, inForce });
    expect(app.sources[differences[0].key]).toBeDefined();
  });

  it('takes a page of rounding in the cgroup as enforced, not as a difference', () => {
    const odd = composeOf({ compose: 'services:\n  a:\n    image: x\n    mem_limit: 100000001\n' });
    const settings = { ...appSettings, memoryBytes: 100000001, cgroupMemoryBytes: 99999744 };
    expect(compareSettings(service(odd, 'a'), settings).differences).toEqual([]);
  });
});

describe('compareSettings on the recorded fixture (a block-I/O weight the kernel cannot apply)', () => {
  const fixture = composeOf({ compose: file('__tests__/fixtures/compose/not-in-force/compose.yaml') });
  const web = service(fixture, 'web');
  const webSettings = recorded['__tests__/fixtures/compose/not-in-force/compose.yaml#web'];

  it('finds the dropped weight alone: every other value, as the engine normalised it, is in force', () => {
    const { differences, inForce } = compareSettings(web, webSettings);
    expect(differences).toEqual([
      expect.objectContaining({ setting: 'block I/O weight', key: 'blkio_config.weight', written: '300' }),
    ]);
    // cap_add net_bind_service is CAP_NET_BIND_SERVICE in the engine; the user is compared as written.
    expect(inForce).toEqual([
      'memory 64m',
      '0.5 CPUs',
      'pids 64',
      'read-only',
      'cap_drop ALL',
      'cap_add net_bind_service',
      'no-new-privileges',
      'user 65534:65534',
      'json-file max-size 1m max-file 2',
    ]);
  });

  it('finds a PIDs limit the cgroup does not hold, and another user', () => {
    expect(
      compareSettings(web, { ...webSettings, blkioWeight: 300, cgroupPidsLimit: 4096, user: '' }).differences.map(
        (difference) => [difference.setting, difference.inForce],
      ),
    ).toEqual([
      ['PIDs limit', 'the engine recorded 64, its cgroup allows 4096'],
      ['user', "the image's"],
    ]);
  });

  it('reads no-new-privileges in each form compose and the engine accept', () => {
    for (const written of ['no-new-privileges', 'no-new-privileges=true', 'no-new-privileges:true']) {
      const compose = composeOf({
        compose: `services:\n  a:\n    image: x\n    security_opt: ["${written}"]\n`,
      });
      for (const held of ['no-new-privileges', 'no-new-privileges=true', 'no-new-privileges:true'])
        expect(compareSettings(service(compose, 'a'), { ...webSettings, securityOpt: [held] }).inForce).toEqual([
          'no-new-privileges',
        ]);
    }
  });
});

describe('judgeSettingsInForce: one verdict per service, one per difference', () => {
  it('passes the recorded stack, skips a service that is not running, and fails on the key that writes a difference', () => {
    const verdicts = judgeSettingsInForce(
      example.services,
      up([
        { service: 'customer-success-mcp', settings: { ...appSettings, readOnly: false } },
        { service: 'postgres', settings: recorded['examples/hardened/docker-compose.yml#postgres'] },
        { service: 'redis', state: 'exited' },
      ]),
    );
    expect(verdicts.map((verdict) => [verdict.status, verdict.message.split(':')[0], verdict.location?.line])).toEqual([
      ['fail', 'customer-success-mcp', app.sources.read_only.line],
      ['pass', 'postgres', service(example, 'postgres').line],
      ['skip', 'redis', service(example, 'redis').line],
    ]);
    expect(verdicts[0].cis).toEqual(['5.13']);
    expect(verdicts[2].message).toBe('redis: not running (exited): nothing in force to read');
  });
});
