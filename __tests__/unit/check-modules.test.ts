import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_CHECKS } from '../../src/checks/index.js';
import type { AnyCheck } from '../../src/checks/registry.js';
import { parseDockerfile } from '../../src/evidence/dockerfile.js';
import { parsePortText, portOf, serviceBinds, servicePorts } from '../../src/evidence/compose/syntax.js';
import { isSecretFile } from '../../src/util/secrets.js';

// A check's id tells its file: HARD-<CATEGORY>-NNN lives in src/checks/<category>.ts (or the
// folder src/checks/<category>/), and modules that are not a category hold no check.

const CHECKS = join(dirname(fileURLToPath(import.meta.url)), '../../src/checks');
const SHARED = new Set([
  'index',
  'registry',
  'where',
  'per-layer',
  'describe',
  'build-steps',
  'dockerfile-helpers',
  'pid1',
  'emulated',
  'compose-keys',
  'label-keys',
  'config-ignores',
  'inline-ignores',
]);

const isCheck = (value: unknown): value is AnyCheck =>
  typeof value === 'object' && value !== null && 'id' in value && 'category' in value && 'run' in value;

/** Every .ts file under src/checks, with the top-level module it belongs to. */
function files(): { module: string; path: string }[] {
  return readdirSync(CHECKS).flatMap((entry) => {
    const path = join(CHECKS, entry);
    if (statSync(path).isDirectory())
      return readdirSync(path)
        .filter((name) => name.endsWith('.ts'))
        .map((name) => ({ module: entry, path: join(path, name) }));
    return entry.endsWith('.ts') ? [{ module: entry.replace(/\.ts$/, ''), path }] : [];
  });
}

describe('check modules', () => {
  it('every check lives in the module of its category, and those modules hold ALL_CHECKS', async () => {
    const found = new Set<AnyCheck>();
    const misplaced: string[] = [];
    for (const { module, path } of files()) {
      const exported = Object.values((await import(path)) as Record<string, unknown>).filter(isCheck);
      for (const check of exported) {
        found.add(check);
        const category = /^HARD-([A-Z]+)-\d+$/.exec(check.id)?.[1].toLowerCase();
        if (SHARED.has(module) || check.category !== module || category !== module)
          misplaced.push(`${check.id} (${check.category}) in ${path.slice(CHECKS.length + 1)}`);
      }
    }
    expect(misplaced).toEqual([]);
    expect([...found].map((check) => check.id).sort()).toEqual(ALL_CHECKS.map((check) => check.id).sort());
  });
});

describe('Stage.args', () => {
  it('reads each ARG of a stage once, with its default as written', () => {
    const parsed = parseDockerfile('ARG G=1\nFROM alpine\nARG A=1 B C="x y"\nARG D=\nRUN true\nARG E=${A}-z\n', {
      path: 'Dockerfile',
    });
    expect(parsed.stages[0].args).toEqual([
      { name: 'A', written: '1', line: 3 },
      { name: 'B', written: null, line: 3 },
      { name: 'C', written: 'x y', line: 3 },
      { name: 'D', written: '', line: 4 },
      { name: 'E', written: '${A}-z', line: 6 },
    ]);
  });
});

describe('compose ports and binds', () => {
  it.each([
    ['127.0.0.1:8080:80', { host_ip: '127.0.0.1', published: '8080', target: '80', protocol: 'tcp' }],
    ['[::1]:8080:80', { host_ip: '::1', published: '8080', target: '80', protocol: 'tcp' }],
    ['8080-8081:80-81', { host_ip: '', published: '8080-8081', target: '80-81', protocol: 'tcp' }],
    ['80', { host_ip: '', published: '', target: '80', protocol: 'tcp' }],
    ['9000:9000/udp', { host_ip: '', published: '9000', target: '9000', protocol: 'udp' }],
    // `${PORT}:80` with PORT unset, as interpolation leaves it: Docker picks the host port.
    [':80', { host_ip: '', published: '', target: '80', protocol: 'tcp' }],
  ])('%s', (text, spec) => {
    expect(parsePortText(text)).toEqual(spec);
    expect(portOf(text)).toEqual(spec);
  });

  it('normalises a service: short, numeric and long forms, where each is written', () => {
    const ports = servicePorts({
      ports: ['127.0.0.1:8080:80', 5432, { host_ip: '0.0.0.0', published: 443, target: 8443 }, ':80', null],
    });
    expect(ports).toEqual([
      {
        index: 0,
        hostIp: '127.0.0.1',
        published: '8080',
        target: '80',
        protocol: 'tcp',
        long: false,
        text: '127.0.0.1:8080:80',
      },
      { index: 1, hostIp: '', published: '', target: '5432', protocol: 'tcp', long: false, text: '5432' },
      {
        index: 2,
        hostIp: '0.0.0.0',
        published: '443',
        target: '8443',
        protocol: 'tcp',
        long: true,
        text: '0.0.0.0:443:8443',
      },
      { index: 3, hostIp: '', published: '', target: '80', protocol: 'tcp', long: false, text: ':80' },
    ]);
  });

  it('reads bind mounts of host paths, short and long', () => {
    expect(
      serviceBinds({
        volumes: [
          '/var/run/docker.sock:/var/run/docker.sock:ro',
          'data:/data',
          './x:/x',
          { type: 'bind', source: '/etc', target: '/h', read_only: true },
        ],
      }),
    ).toEqual([
      { index: 0, source: '/var/run/docker.sock', readOnly: true },
      { index: 3, source: '/etc', readOnly: true },
    ]);
  });
});

describe('isSecretFile', () => {
  // Names the build-context and the image rules used to classify differently.
  it.each([
    ['app/id_rsa', '', true],
    ['app/config/credentials/db/pass', '', true],
    ['usr/lib/python3/dist-packages/x/.env', '', false],
    ['app/node_modules/x/key.pem', '-----BEGIN RSA PRIVATE KEY-----', true],
    ['.env.example', '', false],
    ['.env.production', '', true],
    ['.npmrc', 'registry=https://r', false],
    ['.npmrc', '//r/:_authToken=x', true],
    // Third-party package trees of every ecosystem: a library's credentials/ package is code.
    ['go/pkg/mod/google.golang.org/grpc@v1.60.0/credentials/tls.go', '', false],
    ['usr/local/bundle/gems/aws-sdk-core-3.1/lib/credentials/x.rb', '', false],
    ['root/.m2/repository/com/x/credentials/1.0/x.jar', '', false],
    ['usr/local/cargo/registry/src/x/credentials/lib.rs', '', false],
    ['go/pkg/mod/x/testdata/server.key', '-----BEGIN EC PRIVATE KEY-----', true],
    // An app's own folder named gems/ is not a gem.
    ['gems/billing/.env', '', true],
    ['srv/gems/app/config/credentials/prod.key', '', true],
    // A source module named credentials is code; an SSH key file is judged by what it holds.
    ['app/src/credentials/aws/provider.py', '', false],
    ['app/credentials/db.json', '', true],
    ['app/test/fixtures/id_rsa', 'ssh-rsa AAAA placeholder', false],
    ['root/id_ed25519', '-----BEGIN OPENSSH PRIVATE KEY-----', true],
  ])('%s', (path, content, secret) => {
    expect(isSecretFile(path, content)).toBe(secret);
  });
});
