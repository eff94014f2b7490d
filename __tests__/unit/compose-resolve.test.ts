import { envValues, exampleNamesFor, parseEnvFile } from '../../src/evidence/compose/env-files.js';
import { interpolate } from '../../src/evidence/compose/interpolate.js';
import { tagPinsVersion } from '../../src/util/image-reference.js';
import { commandSecrets } from '../../src/util/secrets.js';
import { composeRefusal } from '../../src/evidence/compose.js';
import { stackOverride } from '../../src/evidence/compose-up.js';
import { analyse, composeOf, type StaticInput } from '../helpers/static.js';

// Compose files read as `docker compose config` reads them — extends, include, override files,
// profiles, .env and interpolation — then judged. Each case seen in the wild, with a failing
// setup and a passing one beside it; the line asserted is where the value is written.

const findings = (input: StaticInput, id: string): [string, string | undefined, number | undefined][] =>
  analyse(input)
    .filter((result) => result.id === id && result.status === 'fail')
    .map((result) => [result.message, result.location?.file, result.location?.line]);

describe('interpolation', () => {
  const env: Record<string, string> = { SET: 'value', EMPTY: '' };
  const lookup = (name: string): string | undefined => env[name];
  it.each([
    ['${SET}', 'value'],
    ['$SET/x', 'value/x'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${UNSET-fallback}', 'fallback'],
    ['${SET:+alt}', 'alt'],
    ['${UNSET:+alt}', ''],
    ['${UNSET:-${SET}}', 'value'],
    ['$$HOME and $${SET}', '$HOME and ${SET}'],
    ['${UNSET}', ''],
  ])('%s → %s', (text, expected) => {
    expect(interpolate(text, lookup).value).toBe(expected);
  });

  it('records required variables without a value, instead of failing', () => {
    const result = interpolate('pass=${PG_PASS:?set PG_PASS}', lookup);
    expect(result).toEqual({ value: 'pass=', missing: [{ name: 'PG_PASS', message: 'set PG_PASS' }], unset: [] });
  });

  it('reads .env files as compose does', () => {
    expect(envValues(parseEnvFile('# c\nexport A=1\nB="two words"\nC=three # note\nD=\'x\'\n'))).toEqual({
      A: '1',
      B: 'two words',
      C: 'three',
      D: 'x',
    });
  });
});

describe('env files', () => {
  const parse = (text: string, env: Record<string, string> = {}) => parseEnvFile(text, (name) => env[name]);

  it('keeps the line of every value, the last of a name winning', () => {
    expect(parse('A=1\n\n# note\nB=2\nA=3\n').entries).toEqual([
      { name: 'B', value: '2', line: 4 },
      { name: 'A', value: '3', line: 5 },
    ]);
  });

  it('comments only after whitespace; single quotes literal; double quotes span lines and interpolate', () => {
    const parsed = parse('A=abc#def\nB=abc #def\nC=\'${X}\'\nD="one\ntwo ${X}"\nE=after\n', { X: 'x' });
    expect(envValues(parsed)).toEqual({ A: 'abc#def', B: 'abc', C: '${X}', D: 'one\ntwo x', E: 'after' });
    expect(parsed.entries.find((entry) => entry.name === 'E')!.line).toBe(6);
  });

  it('interpolates from the environment first, then its own earlier keys; a bare name from the environment', () => {
    expect(
      envValues(parse('F=plain\nG=${F}-g\nH=${F2:-d}\nINHERITED\nABSENT\n', { F: 'env', INHERITED: 'i' })),
    ).toEqual({
      F: 'plain',
      G: 'env-g',
      H: 'd',
      INHERITED: 'i',
    });
  });

  it('reports a required variable without a value and an unterminated quote, with their lines', () => {
    const parsed = parse('A=1\nB=${NEED:?give NEED}\nC="open\n');
    expect(parsed.missing).toEqual([{ name: 'NEED', message: 'give NEED', line: 2 }]);
    expect(parsed.problem).toMatchObject({ line: 3 });
  });

  it('names the committed examples a missing env file may be read from', () => {
    expect(exampleNamesFor('/p/.env')).toEqual(
      expect.arrayContaining(['/p/.env.example', '/p/.env.sample', '/p/env.example', '/p/example.env']),
    );
    expect(exampleNamesFor('/p/config/app.env')).toContain('/p/config/app.env.example');
  });
});

describe('extends', () => {
  const base =
    'services:\n  base:\n    image: postgres:15-bookworm\n    restart: always\n    privileged: true\n    ports: ["5432:5432"]\n';
  it('inherits a restart policy (same file), located where it is written', () => {
    const compose = `services:\n  base:\n    image: app:1\n    restart: always\n  web:\n    extends: base\n`;
    const restart = analyse({ compose }).filter(
      (result) => result.id === 'HARD-COMPOSE-003' && result.message.startsWith('web'),
    );
    expect(restart).toMatchObject([
      { status: 'pass', message: 'web: restart: always', location: { file: 'compose.yaml', line: 4 } },
    ]);
  });

  it('inherits privileged: true and a database published on all interfaces from another file', () => {
    const input = {
      compose: 'services:\n  db:\n    extends: { file: common.yaml, service: base }\n',
      files: { 'common.yaml': base },
    };
    expect(findings(input, 'HARD-COMPOSE-007')).toEqual([['db: privileged: true', 'common.yaml', 5]]);
    expect(findings(input, 'HARD-COMPOSE-009')).toEqual([
      ['db: publishes 5432:5432 on all interfaces', 'common.yaml', 6],
    ]);
  });

  it('lets the extending service override, located in its own file', () => {
    const input = {
      compose:
        'services:\n  db:\n    extends: { file: common.yaml, service: base }\n    privileged: false\n    ports: !override ["127.0.0.1:5432:5432"]\n',
      files: { 'common.yaml': base },
    };
    expect(findings(input, 'HARD-COMPOSE-007')).toEqual([]);
    expect(findings(input, 'HARD-COMPOSE-009')).toEqual([]);
  });

  it('says when the extended file or service is missing', () => {
    expect(() => composeOf({ compose: 'services:\n  db:\n    extends: { file: gone.yaml, service: base }\n' })).toThrow(
      'compose.yaml:3: extends: gone.yaml does not exist',
    );
    expect(() => composeOf({ compose: 'services:\n  db:\n    extends: nothing\n' })).toThrow(
      "compose.yaml:3: extends: no service 'nothing'",
    );
  });
});

describe('include', () => {
  it('checks the services of included files, where they are written', () => {
    const input = {
      compose: 'include:\n  - stack/db.yaml\nservices:\n  app:\n    image: app:1.4.2\n',
      files: { 'stack/db.yaml': 'services:\n  db:\n    image: postgres:latest\n    privileged: true\n' },
    };
    expect(findings(input, 'HARD-COMPOSE-007')).toEqual([['db: privileged: true', 'stack/db.yaml', 4]]);
    expect(findings(input, 'HARD-COMPOSE-011')).toEqual([
      ['db: image postgres:latest uses latest', 'stack/db.yaml', 3],
    ]);
  });

  it('judges a file that only includes others', () => {
    const input = {
      compose: 'include:\n  - db.yaml\n',
      files: { 'db.yaml': 'services:\n  db:\n    image: postgres:15\n' },
    };
    expect(
      analyse(input).filter((result) => result.category === 'compose' && result.status !== 'skip').length,
    ).toBeGreaterThan(5);
  });

  it('says when an included file is missing', () => {
    expect(() => composeOf({ compose: 'include:\n  - nowhere.yaml\n' })).toThrow(
      'compose.yaml:2: include: nowhere.yaml does not exist',
    );
  });
});

describe('override files and profiles', () => {
  it('merges compose.override.yaml over compose.yaml, the finding on the override line', () => {
    const input = {
      compose: 'services:\n  web:\n    image: web:1\n',
      files: { 'compose.override.yaml': 'services:\n  web:\n    privileged: true\n' },
    };
    expect(findings(input, 'HARD-COMPOSE-007')).toEqual([['web: privileged: true', 'compose.override.yaml', 3]]);
    expect(composeOf(input).files.map((file) => file.path)).toEqual(['compose.yaml', 'compose.override.yaml']);
  });

  it('leaves out services of inactive profiles, as compose does, until COMPOSE_PROFILES names them', () => {
    const compose =
      'services:\n  app:\n    image: app:1\n  debug:\n    image: busybox:latest\n    privileged: true\n    profiles: [debug]\n';
    expect(findings({ compose }, 'HARD-COMPOSE-007')).toEqual([]);
    expect(composeOf({ compose }).inactive).toEqual([{ name: 'debug', profiles: ['debug'] }]);
    expect(findings({ compose, env: { COMPOSE_PROFILES: 'debug' } }, 'HARD-COMPOSE-007')).toEqual([
      ['debug: privileged: true', 'compose.yaml', 6],
    ]);
  });
});

describe('variables', () => {
  it('casts booleans after interpolation: privileged: ${PRIV:-true} is privileged', () => {
    const compose = 'services:\n  web:\n    image: web:1\n    privileged: ${PRIV:-true}\n';
    expect(findings({ compose }, 'HARD-COMPOSE-007')).toEqual([['web: privileged: true', 'compose.yaml', 4]]);
    expect(findings({ compose, env: { PRIV: 'false' } }, 'HARD-COMPOSE-007')).toEqual([]);
  });

  it('judges a default as what the file says: ${PG_PASS:-pgS3cret2024} is a literal secret, whatever the environment', () => {
    const compose =
      'services:\n  db:\n    image: postgres:15\n    environment:\n      POSTGRES_PASSWORD: ${PG_PASS:-pgS3cret2024}\n';
    const expected = [
      [
        'db: POSTGRES_PASSWORD holds a literal value for a secret-looking name [redacted, 12 characters]',
        'compose.yaml',
        5,
      ],
    ];
    expect(findings({ compose }, 'HARD-COMPOSE-008')).toEqual(expected);
    expect(findings({ compose, env: { PG_PASS: 'from-the-vault' } }, 'HARD-COMPOSE-008')).toEqual(expected);
    const required =
      'services:\n  db:\n    image: postgres:15\n    environment:\n      POSTGRES_PASSWORD: ${PG_PASS:?set it}\n';
    expect(findings({ compose: required }, 'HARD-COMPOSE-008')).toEqual([]);
  });

  it('resolves an image from its default: ${DB_IMAGE:-postgres:latest} is not pinned', () => {
    const compose = 'services:\n  db:\n    image: ${DB_IMAGE:-postgres:latest}\n';
    expect(findings({ compose }, 'HARD-COMPOSE-011')).toEqual([
      ['db: image postgres:latest uses latest', 'compose.yaml', 3],
    ]);
    expect(findings({ compose, env: { DB_IMAGE: 'postgres:15.4' } }, 'HARD-COMPOSE-011')).toEqual([]);
  });

  it('takes defaults from the project .env, the environment over it', () => {
    const compose = 'services:\n  db:\n    image: postgres:${PG_TAG}\n';
    expect(findings({ compose, files: { '.env': 'PG_TAG=alpine\n' } }, 'HARD-COMPOSE-011')).toEqual([
      [
        'db: image postgres:alpine uses :alpine, a floating tag (a channel or variant, not a version)',
        'compose.yaml',
        3,
      ],
    ]);
    expect(
      findings({ compose, files: { '.env': 'PG_TAG=alpine\n' }, env: { PG_TAG: '16.2' } }, 'HARD-COMPOSE-011'),
    ).toEqual([]);
  });
});

describe('host mounts that give away the host', () => {
  const mounted = (volume: string) =>
    analyse({ compose: `services:\n  agent:\n    image: agent:1.0.0\n    volumes:\n      - ${volume}\n` })
      .filter((result) => result.id === 'HARD-COMPOSE-007' && result.status === 'fail')
      .map((result) => [result.severity, result.message, result.location?.line]);

  it.each(['/', '/lib/modules', '/usr', '/boot', '/sys', '/proc', '/dev', '/etc', '/var/log', '/root', '/home/user'])(
    'fail %s: an error written to, a warning read-only (it still discloses the host)',
    (source) => {
      expect(mounted(`${source}:/host`)).toEqual([['error', `agent: mounts the host's ${source}`, 5]]);
      expect(mounted(`${source}:/host:ro`)).toEqual([['warning', `agent: mounts the host's ${source} (read-only)`, 5]]);
    },
  );

  it.each([
    '/var/lib/docker',
    '/var/run/docker.sock',
    '/run/docker.sock',
    '/run/containerd/containerd.sock',
    '/run/podman/podman.sock',
    '/var/run',
    '/home/user/.ssh',
    '/root/.docker/config.json',
  ])('fail %s even read-only: the engine or a login answers whatever the mode', (source) => {
    expect(mounted(`${source}:/host:ro`)).toEqual([['error', `agent: mounts the host's ${source} (read-only)`, 5]]);
  });

  it.each([
    '/etc/localtime:/etc/localtime:ro',
    '/etc/timezone:/etc/timezone:ro,Z',
    '/usr/share/zoneinfo:/usr/share/zoneinfo:ro',
    '/etc/ssl/certs:/etc/ssl/certs:ro',
    '/opt/app/data:/data',
    '/srv/app/uploads:/uploads',
    '/root/go/pkg/mod/cache:/go/pkg/mod/cache',
    '/home/user/projects/app:/app',
    '/var/run/mysqld/mysqld.sock:/var/run/mysqld/mysqld.sock',
    '/var/run/postgresql:/var/run/postgresql',
  ])('pass %s: shared read-only with the host, or data of its own', (volume) => {
    expect(mounted(volume)).toEqual([]);
  });

  it("a time zone file written to is still the host's /etc", () => {
    expect(mounted('/etc/localtime:/etc/localtime')).toEqual([['error', "agent: mounts the host's /etc/localtime", 5]]);
  });

  it('catch the long syntax, and leave project directories and named volumes alone', () => {
    const long =
      'services:\n  agent:\n    image: agent:1.0.0\n    volumes:\n      - type: bind\n        source: /lib/modules\n        target: /lib/modules\n      - type: bind\n        source: /proc\n        target: /host/proc\n        read_only: true\n';
    expect(findings({ compose: long }, 'HARD-COMPOSE-007')).toEqual([
      ["agent: mounts the host's /lib/modules", 'compose.yaml', 5],
      ["agent: mounts the host's /proc (read-only)", 'compose.yaml', 8],
    ]);
    const fine =
      'services:\n  app:\n    image: app:1.0.0\n    volumes: ["./data:/data", "cache:/cache", "/srv/app/uploads:/uploads"]\nvolumes: { cache: {} }\n';
    expect(findings({ compose: fine }, 'HARD-COMPOSE-007')).toEqual([]);
  });
});

describe('literal secrets anywhere a value is written', () => {
  it.each([
    [
      'healthcheck.test',
      '    healthcheck:\n      test: ["CMD-SHELL", "mysqladmin ping -uroot -pS3cretPassw0rd"]\n',
      'healthcheck.test holds a literal value for a secret-looking name [redacted, 14 characters] (-p)',
    ],
    [
      'command',
      '    command: redis-server --requirepass hunter2hunter2\n',
      'command holds a literal value for a secret-looking name [redacted, 14 characters] (--requirepass)',
    ],
    [
      'entrypoint',
      '    entrypoint: ["sh", "-c", "API_TOKEN=abcd1234efgh exec app"]\n',
      'entrypoint holds a literal value for a secret-looking name [redacted, 12 characters] (API_TOKEN)',
    ],
    [
      'build.args',
      '    build:\n      context: .\n      args:\n        NPM_TOKEN: npm_abcdefghijklmnopqrstuvwxyz0123456789\n',
      'build arg NPM_TOKEN holds an npm token [redacted, 40 characters]',
    ],
  ])('fail in %s', (_, lines, message) => {
    const compose = `services:\n  app:\n    image: app:1\n${lines}`;
    expect(findings({ compose }, 'HARD-COMPOSE-008').map(([text]) => text)).toEqual([`app: ${message}`]);
  });

  it('pass references to the environment', () => {
    const compose =
      'services:\n  app:\n    image: app:1\n    command: redis-server --requirepass ${REDIS_PASSWORD:?set it}\n    healthcheck:\n      test: ["CMD-SHELL", "mysqladmin ping -uroot -p$$MYSQL_ROOT_PASSWORD"]\n    build:\n      context: .\n      args: { NPM_TOKEN: "${NPM_TOKEN}" }\n';
    expect(findings({ compose }, 'HARD-COMPOSE-008')).toEqual([]);
    expect(commandSecrets('curl -fsS http://localhost:8080/health')).toEqual([]);
  });
});

describe('floating image tags', () => {
  it.each([
    'postgres:alpine',
    'redis:alpine',
    'node:lts',
    'nginx:mainline',
    'app:stable',
    'app:edge',
    'app:latest',
    'postgres',
  ])('%s is not pinned', (image) => {
    expect(findings({ compose: `services:\n  s:\n    image: ${image}\n` }, 'HARD-COMPOSE-011')).toHaveLength(1);
  });

  it.each([
    'postgres:15.4-bookworm',
    'python:3.11.9-slim',
    'nginx:1.25.3-alpine',
    'alpine:3.19',
    'debian:12-slim',
    'ubuntu:22.04',
    'debian:bookworm-slim',
    'minio/minio:RELEASE.2024-01-16T16-07-38Z',
    'app:sha-1a2b3c4',
    'app:1.2-20240101',
    'docker.io/netboxcommunity/netbox:v4.1-3.0.2',
    'redis@sha256:0123456789abcdef',
  ])('%s is pinned', (image) => {
    expect(findings({ compose: `services:\n  s:\n    image: ${image}\n` }, 'HARD-COMPOSE-011')).toEqual([]);
  });

  it.each([
    ['postgres:14-alpine', 'a major version'],
    ['redis:7', 'a major version'],
    ['postgres:15', 'a major version'],
    ['redis:7.2-bookworm', 'a minor version'],
    ['python:3.11-slim', 'a minor version'],
    ['ghcr.io/acme/app:v2', 'a major version'],
  ])('%s names %s only: a notice, not a warning', (image, what) => {
    const results = analyse({ compose: `services:\n  s:\n    image: ${image}\n` }).filter(
      (result) => result.id === 'HARD-COMPOSE-011',
    );
    expect(results.map((result) => [result.status, result.severity, result.message, result.location?.line])).toEqual([
      ['fail', 'notice', `s: image ${image} names ${what} only: the tag moves to each new release of it`, 3],
    ]);
  });

  it('does not judge a tag written through a variable without a value', () => {
    const compose = [
      'x-image: &image',
      '  image: ${APP_IMAGE:-acme/app}:${APP_TAG:-$APP_VERSION}',
      'services:',
      '  web:',
      '    <<: *image',
      '  db:',
      '    image: ${DB_IMAGE}:${DB_TAG:?set it}',
      '',
    ].join('\n');
    expect(findings({ compose }, 'HARD-COMPOSE-011')).toEqual([]);
    const skipped = analyse({ compose }).filter((result) => result.id === 'HARD-COMPOSE-011');
    expect(skipped.map((result) => [result.status, result.message, result.location?.line])).toEqual([
      [
        'skip',
        'web: image acme/app: is written through ${APP_VERSION}, which has no value here: the tag is whatever the deployment sets',
        2,
      ],
      [
        'skip',
        'db: image : is written through ${DB_IMAGE}, ${DB_TAG}, which have no value here: the tag is whatever the deployment sets',
        7,
      ],
    ]);
    // With the values, the tag is judged.
    expect(
      findings({ compose, env: { APP_VERSION: 'latest', DB_IMAGE: 'postgres', DB_TAG: '15.4' } }, 'HARD-COMPOSE-011'),
    ).toEqual([['web: image acme/app:latest uses latest', 'compose.yaml', 2]]);
  });

  it('is one rule for compose and Dockerfiles', () => {
    const dockerfile = (from: string) =>
      analyse({ dockerfile: `FROM ${from}\n` })
        .filter((result) => result.id === 'HARD-DOCKERFILE-002' && result.status === 'fail')
        .map((result) => [result.severity, result.message]);
    expect(dockerfile('redis:7')).toEqual([
      [
        'notice',
        'FROM redis:7 names a major version only: the tag moves to each new release of it; name the full version (and a digest)',
      ],
    ]);
    expect(dockerfile('postgres:15.4-bookworm')).toEqual([
      ['notice', 'FROM postgres:15.4-bookworm is pinned by tag; a digest would pin the exact image'],
    ]);
    expect(dockerfile('redis:alpine')).toEqual([
      ['warning', 'FROM redis:alpine uses :alpine, a floating tag (it names a channel or variant, not a version)'],
    ]);
    expect([
      tagPinsVersion('alpine'),
      tagPinsVersion('lts-alpine'),
      tagPinsVersion('22.11-alpine'),
      tagPinsVersion('bookworm'),
    ]).toEqual([false, false, true, true]);
  });
});

describe('robustness', () => {
  it('refuses a YAML alias bomb in one line', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...'bcdefghi'
        .split('')
        .map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[index]}`).join(',')}]`),
      'services:\n  s:\n    image: a:1\n    labels: *i',
    ].join('\n');
    expect(() => composeOf({ compose: bomb })).toThrow(
      /^compose\.yaml: not a valid compose file: it expands past 200000 values/,
    );
  });
});

describe('where a secret value lives decides where it is reported', () => {
  const compose =
    'services:\n  db:\n    image: postgres:15.4\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n  app:\n    image: app:1.0\n    environment:\n      DATABASE_PASSWORD: ${DB_PASSWORD}\n';
  const dotEnv = { '.env': 'DB_USER=app\nDB_PASSWORD=Zq8vLm2pRt5wXy\n' };

  it('a real-looking secret in a committed .env: one finding, on the .env line, naming the services and the compose line', () => {
    const results = analyse({ compose, files: dotEnv, git: { '.env': 'tracked' } });
    expect(findings({ compose, files: dotEnv, git: { '.env': 'tracked' } }, 'HARD-COMPOSE-008')).toEqual([
      [
        'db, app: DB_PASSWORD in .env (tracked by git) holds a literal value for a secret-looking name [redacted, 14 characters], and the compose file uses it (`${DB_PASSWORD}` at compose.yaml:5)',
        '.env',
        2,
      ],
    ]);
    // Never on the compose line that only says ${DB_PASSWORD}, and never the value itself.
    expect(JSON.stringify(results)).not.toContain('Zq8vLm2pRt5wXy');
  });

  it('a .env that git ignores, or a variable no file gives, is not a committed secret', () => {
    expect(findings({ compose, files: dotEnv, git: { '.env': 'ignored' } }, 'HARD-COMPOSE-008')).toEqual([]);
    expect(findings({ compose }, 'HARD-COMPOSE-008')).toEqual([]);
    expect(findings({ compose, env: { DB_PASSWORD: 'from-the-vault-1234' } }, 'HARD-COMPOSE-008')).toEqual([]);
  });

  it('a placeholder in a committed .env is a weak default (warning), not a leaked secret', () => {
    const results = analyse({ compose, files: { '.env': 'DB_PASSWORD=changeme\n' } });
    expect(
      results
        .filter((result) => result.id === 'HARD-COMPOSE-008' && result.status === 'fail')
        .map((result) => [result.severity, result.location?.file, result.location?.line]),
    ).toEqual([['warning', '.env', 1]]);
  });

  it('a committed env_file: the finding is on its line, once for every service that reads it', () => {
    const text =
      'services:\n  web:\n    image: app:1.0\n    env_file: env/app.env\n  worker:\n    image: app:1.0\n    env_file: [env/app.env]\n';
    const files = { 'env/app.env': 'LOG_LEVEL=info\nSECRET_KEY=9f2c7a1e5b3d8f6a4c0e\n' };
    expect(findings({ compose: text, files, git: { 'env/app.env': 'tracked' } }, 'HARD-COMPOSE-008')).toEqual([
      [
        'web, worker: SECRET_KEY holds a literal value for a secret-looking name [redacted, 20 characters] (env_file env/app.env, tracked by git)',
        'env/app.env',
        2,
      ],
    ]);
    expect(findings({ compose: text, files, git: { 'env/app.env': 'ignored' } }, 'HARD-COMPOSE-008')).toEqual([]);
  });

  it("a committed example read for a missing env file (compose-env-example) is the user's template, not a secret", () => {
    const text =
      'services:\n  web:\n    image: app:1.0\n    env_file: .env\n    environment: { TOKEN: "${API_TOKEN}" }\n';
    const files = { '.env.example': 'API_TOKEN=abcd1234abcd1234\nSECRET_KEY=9f2c7a1e5b3d8f6a4c0e\n' };
    const evidence = composeOf({ compose: text, files, exampleEnv: true });
    expect(evidence.refusals).toEqual([]);
    expect(evidence.envFiles.map((file) => [file.path, file.role, file.standsFor])).toEqual([
      ['.env.example', 'dotenv', '.env'],
      ['.env.example', 'env_file', '.env'],
    ]);
    expect(evidence.services[0].data.environment).toEqual({
      API_TOKEN: 'abcd1234abcd1234',
      SECRET_KEY: '9f2c7a1e5b3d8f6a4c0e',
      TOKEN: 'abcd1234abcd1234',
    });
    expect(findings({ compose: text, files, exampleEnv: true }, 'HARD-COMPOSE-008')).toEqual([]);
  });
});

describe('a project compose refuses', () => {
  it('is refused with compose’s words, where each cause is written, and how to supply what is missing', () => {
    const text =
      'services:\n  web:\n    image: app:1.0\n    env_file: .env\n    read_only: ${READ_ONLY}\n    networks: [back]\n    environment: { KEY: "${SECRET_KEY:?set SECRET_KEY}" }\n';
    const evidence = composeOf({ compose: text });
    expect(evidence.refusals.map((refusal) => [refusal.kind, refusal.loc?.line])).toEqual([
      ['type', 5],
      ['variable', 7],
      ['env-file', 4],
      ['reference', 6],
    ]);
    const message = composeRefusal(evidence, (name) => `--${name}`)!;
    expect(message).toContain('env file .env not found (compose.yaml:4)');
    expect(message).toContain(
      'error while interpolating services.web.read_only: failed to cast to expected type: invalid boolean:  (compose.yaml:5)',
    );
    expect(message).toContain('required variable SECRET_KEY is missing a value: set SECRET_KEY');
    expect(message).toContain('service "web" refers to undefined network back');
    expect(message).toContain('--compose-env-example true');
    expect(message).toContain('--runtime-env');
    expect(message.split('compose refuses').length).toBe(2);
  });

  it('says a cause written in several places once, with every place', () => {
    const text =
      'services:\n  a:\n    image: app:1.0\n    env_file: .env\n  b:\n    image: app:1.0\n    env_file: .env\n';
    const message = composeRefusal(composeOf({ compose: text }), (name) => `--${name}`)!;
    expect(message.match(/env file \.env not found/g)).toHaveLength(1);
    expect(message).toContain('(compose.yaml:4, compose.yaml:7)');
  });

  it('is accepted once given what it lacks', () => {
    const text = 'services:\n  web:\n    image: app:1.0\n    env_file: .env\n    read_only: ${READ_ONLY}\n';
    const files = { '.env.sample': 'READ_ONLY=true\n' };
    expect(composeOf({ compose: text, files }).refusals.length).toBe(2);
    const given = composeOf({ compose: text, files, exampleEnv: true });
    expect(given.refusals).toEqual([]);
    expect(given.services[0].data.read_only).toBe(true);
    expect(composeOf({ compose: text, files: { '.env': 'READ_ONLY=no\n' } }).services[0].data.read_only).toBe(false);
  });
});

describe('build once, run twice', () => {
  it('a service that runs the image another service builds has that build’s HEALTHCHECK', () => {
    const text =
      'services:\n  app:\n    image: shop/app:1.0\n    build: .\n  worker:\n    image: shop/app:1.0\n    command: worker\n';
    const evidence = composeOf({
      compose: text,
      files: { Dockerfile: 'FROM debian:12\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n' },
    });
    expect(evidence.services.map((service) => [service.name, service.builtBy, service.builtHealthcheck])).toEqual([
      ['app', null, true],
      ['worker', 'app', true],
    ]);
  });
});

describe('placeholders', () => {
  it.each(['replace-me-with-a-random-string', 'changeme', 'your_password', 'xxxxxxxx'])(
    '%s written as a secret is a weak default that ships: a warning, never echoed',
    (value) => {
      const compose = `services:\n  app:\n    image: app:1.0\n    environment:\n      APP_SECRET: ${JSON.stringify(value)}\n`;
      const results = analyse({ compose }).filter((result) => result.id === 'HARD-COMPOSE-008');
      expect(results.map((result) => [result.status, result.severity, result.location?.line])).toEqual([
        ['fail', 'warning', 5],
      ]);
      expect(JSON.stringify(results)).not.toContain(value);
    },
  );

  it('a real-looking value stays an error', () => {
    const compose = 'services:\n  app:\n    image: app:1.0\n    environment:\n      APP_SECRET: k9Xq2mWv7Lp4\n';
    expect(
      analyse({ compose })
        .filter((result) => result.id === 'HARD-COMPOSE-008')
        .map((result) => result.severity),
    ).toEqual(['error']);
  });
});

describe('build once, run twice: the name is the stack’s own build', () => {
  it('is not a floating tag to pin', () => {
    const compose =
      'services:\n  app:\n    image: myapp\n    build: .\n  worker:\n    image: myapp\n    command: worker\n  cache:\n    image: myapp-cache\n';
    expect(findings({ compose, files: { Dockerfile: 'FROM scratch\n' } }, 'HARD-COMPOSE-011')).toEqual([
      ['cache: image myapp-cache has no tag (latest)', 'compose.yaml', 9],
    ]);
  });
});

describe('the override the stack is brought up with', () => {
  it('runs proven images by id, gives a missing env file its stand-in, and is valid with nothing to say', () => {
    const text = 'services:\n  web:\n    build: .\n    env_file: [.env, common.env]\n  db:\n    image: postgres:15.4\n';
    const evidence = composeOf({
      compose: text,
      files: { Dockerfile: 'FROM scratch\n', 'common.env': 'A=1\n', '.env.example': 'B=2\n' },
      exampleEnv: true,
    });
    expect(stackOverride(evidence, { web: 'sha256:abc' })).toBe(
      'services:\n  "web":\n    image: "sha256:abc"\n    pull_policy: never\n    env_file: !override ["/repo/.env.example","/repo/common.env"]\n',
    );
    expect(evidence.variablesFiles).toEqual(['/repo/.env.example']);
    expect(stackOverride(composeOf({ compose: 'services:\n  db:\n    image: postgres:15.4\n' }), {})).toBe(
      'services: {}\n',
    );
  });
});

describe('anchors and aliases', () => {
  it('a value given through an alias is reported where the anchor writes it', () => {
    const compose =
      'x-db-password: &db-password "k9Xq2mWv7Lp4"\nservices:\n  db:\n    image: postgres:15.4\n    environment:\n      POSTGRES_PASSWORD: *db-password\n  app:\n    image: app:1.0\n    environment:\n      DB_PASSWORD: *db-password\n';
    expect(findings({ compose }, 'HARD-COMPOSE-008').map(([, file, line]) => [file, line])).toEqual([
      ['compose.yaml', 1],
    ]);
  });
});

describe('a service an override file adds to', () => {
  it('is located where it is first defined: a missing key is not blamed on the override', () => {
    const compose = 'services:\n  web:\n    image: app:1.0.0\n    restart: always\n';
    const files = { 'compose.override.yaml': 'services:\n  web:\n    environment: { SETTING: "1" }\n' };
    expect(findings({ compose, files }, 'HARD-COMPOSE-004').map(([, file, line]) => [file, line])).toEqual([
      ['compose.yaml', 2],
    ]);
  });
});

describe('weak defaults', () => {
  it.each([
    ['POSTGRES_USER: umami\n      POSTGRES_PASSWORD: umami', 'the user beside it'],
    ['POSTGRES_USER: listmonk\n      POSTGRES_PASSWORD: listmonk-dev', 'built on the user'],
    ['POSTGRES_USER: wikijs\n      POSTGRES_PASSWORD: wikijsrocks', 'built on the user'],
    ['POSTGRES_PASSWORD: postgres', 'a well-known default'],
    ['MYSQL_ROOT_PASSWORD: "123"', 'digits'],
    ['ADMIN_PASSWORD: test123', 'a well-known default with digits'],
    ['DATABASE_URL: postgresql://umami:umami@db:5432/umami', 'the URL’s own user'],
  ])('%s (%s) is a weak default: a warning', (lines) => {
    const compose = `services:\n  db:\n    image: postgres:15.4\n    environment:\n      ${lines}\n`;
    const failed = analyse({ compose }).filter(
      (result) => result.id === 'HARD-COMPOSE-008' && result.status === 'fail',
    );
    expect(failed.map((result) => result.severity)).toEqual(['warning']);
    expect(failed[0].message).toMatch(/weak default/);
  });

  it('a random-looking value is a credential given away: an error', () => {
    const compose =
      'services:\n  db:\n    image: postgres:15.4\n    environment:\n      POSTGRES_USER: netbox\n      POSTGRES_PASSWORD: J5brHrAXFLQSif0K\n';
    expect(
      analyse({ compose })
        .filter((result) => result.id === 'HARD-COMPOSE-008' && result.status === 'fail')
        .map((result) => result.severity),
    ).toEqual(['error']);
  });

  it('one value under two names names each service’s own', () => {
    const compose =
      'x-pw: &pw "k9Xq2mWv7Lp4"\nservices:\n  app:\n    image: app:1.0.0\n    environment:\n      APP_DB_PASSWORD: *pw\n  db:\n    image: postgres:15.4\n    environment:\n      POSTGRES_PASSWORD: *pw\n';
    expect(findings({ compose }, 'HARD-COMPOSE-008').map(([message]) => message)).toEqual([
      'app (APP_DB_PASSWORD), db (POSTGRES_PASSWORD): the value holds a literal value for a secret-looking name [redacted, 12 characters]',
    ]);
  });
});
