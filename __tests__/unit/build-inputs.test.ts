import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildxArgs,
  cacheOnlySupported,
  layoutOutputSupported,
  secretTexts,
  type BuildRequest,
} from '../../src/docker/buildx.js';
import { cacheBuild } from '../../src/evidence/cache.js';
import { resolveBuildInputs } from '../../src/inputs/build-inputs.js';
import { keyValueList, secretValues } from '../../src/inputs/kinds.js';
import { parseSettings, resolveOptions } from '../../src/inputs/resolve.js';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { redactSecrets } from '../../src/util/secrets.js';
import { scratchTree } from '../helpers/scratch.js';

// docker/build-push-action's build inputs: their forms, what each becomes on buildx's command
// line, and that no secret value ever reaches an argument, an error message or a build log.

const SECRET = 'tok-3f9a1c77e2b04d5e';

function resolved(raw: RawInputs, workspace = '/work/repo', env: NodeJS.ProcessEnv = {}) {
  return resolveBuildInputs(parseSettings(raw), workspace, env);
}

function request(raw: RawInputs, workspace = '/work/repo', env: NodeJS.ProcessEnv = {}): BuildRequest {
  return {
    context: '/work/repo',
    dockerfile: '/work/repo/Dockerfile',
    buildArgs: {},
    noCache: false,
    tags: [],
    inputs: resolved(raw, workspace, env).inputs,
  };
}

const files = { iid: '/tmp/b/iid.txt', metadata: '/tmp/b/m.json', secrets: ['/tmp/b/secret-0', '/tmp/b/secret-1'] };

describe('secret values', () => {
  it('keeps each value as written and never quotes a bad line', () => {
    expect(secretValues.parse(`GIT_AUTH_TOKEN=${SECRET}\nPADDED= a=b \n\n`, 'secrets')).toEqual({
      GIT_AUTH_TOKEN: SECRET,
      PADDED: ' a=b ',
    });
    for (const bad of [SECRET, `=${SECRET}`, ` =${SECRET}`]) {
      let message = '';
      try {
        secretValues.parse(`OK=x\n${bad}`, 'secrets');
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toBe(
        'secrets: line 2 is not id=value (the line is not shown: it may hold the secret); give one id=value per line',
      );
    }
  });

  it('takes secret-envs as a list, comma- or newline-separated', () => {
    expect(keyValueList.parse('A=ENV_A,B=ENV_B\nC=ENV_C', 'secret-envs')).toEqual({
      A: 'ENV_A',
      B: 'ENV_B',
      C: 'ENV_C',
    });
  });
});

describe('buildx arguments', () => {
  it('passes each input with buildx’s flag, and a secret value only as a file', () => {
    const root = scratchTree('buildx-args', { 'libs/shared/package.json': '{}' });
    const args = buildxArgs(
      request(
        {
          secrets: `GIT_AUTH_TOKEN=${SECRET}`,
          'secret-envs': 'NPM_TOKEN=CS_TEST_NPM',
          labels: 'org.opencontainers.image.source=https://example.test/app\nteam=payments',
          'build-contexts': 'shared=libs/shared\nbase=docker-image://registry.test/base:1',
          'cache-from': 'type=local,src=.cache/buildx\n127.0.0.1:5000/app:cache',
          'cache-to': 'type=registry,ref=127.0.0.1:5000/app:cache,mode=max',
          network: 'none',
          'add-hosts': 'db.internal:10.0.0.5,gw=host-gateway',
          pull: 'true',
        },
        root,
        { CS_TEST_NPM: 'x', SSH_AUTH_SOCK: '/tmp/agent' },
      ),
      files,
    );
    const pairs = (flag: string): string[] => args.flatMap((arg, index) => (arg === flag ? [args[index + 1]] : []));
    expect(pairs('--secret')).toEqual(['id=GIT_AUTH_TOKEN,src=/tmp/b/secret-0', 'id=NPM_TOKEN,env=CS_TEST_NPM']);
    expect(pairs('--label')).toEqual(['org.opencontainers.image.source=https://example.test/app', 'team=payments']);
    expect(pairs('--build-context')).toEqual([
      `shared=${join(root, 'libs/shared')}`,
      'base=docker-image://registry.test/base:1',
    ]);
    expect(pairs('--cache-from')).toEqual([
      `type=local,src=${join(root, '.cache/buildx')}`,
      '127.0.0.1:5000/app:cache',
    ]);
    expect(pairs('--cache-to')).toEqual(['type=registry,ref=127.0.0.1:5000/app:cache,mode=max']);
    expect(pairs('--network')).toEqual(['none']);
    expect(pairs('--add-host')).toEqual(['db.internal:10.0.0.5', 'gw:host-gateway']);
    expect(args).toContain('--pull');
    expect(args.join(' ')).not.toContain(SECRET);
    expect(args.at(-1)).toBe('/work/repo');
  });

  it('leaves the defaults off the command line', () => {
    const args = buildxArgs(request({}), files);
    for (const flag of [
      '--secret',
      '--ssh',
      '--label',
      '--cache-from',
      '--cache-to',
      '--network',
      '--add-host',
      '--pull',
      '--output',
    ])
      expect(args).not.toContain(flag);
  });

  it('asks for the OCI layout beside --load only when given a directory, a comma in it quoted', () => {
    const args = buildxArgs({ ...request({}), layoutDir: '/tmp/run,1/layout' }, files);
    expect(args).toContain('--load');
    expect(args[args.indexOf('--output') + 1]).toBe('type=oci,"dest=/tmp/run,1/layout",tar=false');
  });

  it('quotes a secret file path that buildx would split', () => {
    const root = scratchTree('secret-path', { 'a,b/token.txt': SECRET });
    const args = buildxArgs(request({ 'secret-files': 'TOKEN=a,b/token.txt' }, root), files);
    expect(args).toContain(`id=TOKEN,"src=${join(root, 'a,b/token.txt')}"`);
  });

  it('gives the cache builds every input but cache-to', () => {
    const build = request(
      { 'cache-to': 'type=local,dest=/tmp/cache', 'cache-from': 'type=local,src=/tmp/cache', secrets: `T=${SECRET}` },
      '/work/repo',
    );
    const probe = cacheBuild({ ...build, noCache: true, tags: ['x'] });
    expect(probe.inputs?.cacheTo).toEqual([]);
    expect(probe.inputs?.cacheFrom).toEqual(['type=local,src=/tmp/cache']);
    expect(probe.inputs?.secrets).toEqual([{ id: 'T', value: SECRET }]);
    expect(probe.noCache).toBe(false);
    expect(build.inputs?.cacheTo).toEqual(['type=local,dest=/tmp/cache']);
  });
});

describe('checked before anything runs', () => {
  const root = scratchTree('build-inputs', {
    Dockerfile: 'FROM scratch\n',
    'secrets/npmrc': `//registry.npmjs.org/:_authToken=${SECRET}\n`,
    'keys/id_ed25519': 'not really a key\n',
  });
  mkdirSync(join(root, 'libs'), { recursive: true });

  const cases: [string, RawInputs, NodeJS.ProcessEnv, string][] = [
    ['secret without a value', { secrets: 'TOKEN=' }, {}, 'secrets: TOKEN has an empty value'],
    ['secret id with a space', { secrets: `MY TOKEN=${SECRET}` }, {}, "secrets: 'MY TOKEN' is not a secret id"],
    [
      'secret file missing',
      { 'secret-files': 'NPMRC=secrets/none' },
      {},
      "secret-files: NPMRC: 'secrets/none' is not a file",
    ],
    [
      'secret file is a directory',
      { 'secret-files': 'NPMRC=secrets' },
      {},
      "secret-files: NPMRC: 'secrets' is not a file",
    ],
    [
      'secret env unset',
      { 'secret-envs': 'NPM=CS_NOPE' },
      {},
      'secret-envs: NPM reads the environment variable CS_NOPE, which is not set',
    ],
    ['secret env empty', { 'secret-envs': 'NPM=CS_EMPTY' }, { CS_EMPTY: '' }, 'which is empty'],
    [
      'secret env not a name',
      { 'secret-envs': 'NPM=1X' },
      {},
      "secret-envs: NPM: '1X' is not an environment variable name",
    ],
    [
      'ssh default without an agent',
      { ssh: 'default' },
      {},
      "ssh: 'default' forwards the agent at SSH_AUTH_SOCK, which is not set",
    ],
    ['ssh key missing', { ssh: 'github=keys/none' }, {}, "ssh: github: 'keys/none' does not exist"],
    [
      'build context missing',
      { 'build-contexts': 'shared=libs/none' },
      {},
      "build-contexts: shared: 'libs/none' does not exist",
    ],
    ['cache type unknown', { 'cache-to': 'type=redis,ref=x' }, {}, "cache-to line 1: unknown cache type 'redis'"],
    [
      'local cache without dest',
      { 'cache-to': 'type=local,src=x' },
      {},
      'cache-to line 1: type=local needs dest=DIRECTORY',
    ],
    [
      'registry cache without ref',
      { 'cache-from': 'type=registry,mode=max' },
      {},
      'cache-from line 1: type=registry needs ref=',
    ],
    ['cache attribute without =', { 'cache-from': 'type=local,src' }, {}, "cache-from line 1: 'src' is not key=value"],
    ['host without ip', { 'add-hosts': 'db.internal' }, {}, "add-hosts: 'db.internal' is not host:ip"],
    [
      'host with a bad ip',
      { 'add-hosts': 'db:10.0.0.300' },
      {},
      "add-hosts: 'db:10.0.0.300' is not host:ip ('10.0.0.300' is not an IP address)",
    ],
    ['network unknown', { network: 'bridge' }, {}, "network: 'bridge' is not one of default, none, host"],
    ['pull not a boolean', { pull: 'always' }, {}, "pull: 'always' is not a boolean"],
  ];
  it.each(cases)('%s', (_name, raw, env, message) => {
    expect(() => resolveBuildInputs(parseSettings(raw), root, env)).toThrow(message);
  });

  it('accepts what buildx accepts, with paths from the workspace', () => {
    const { inputs, notes } = resolveBuildInputs(
      parseSettings({
        'secret-files': 'NPMRC=secrets/npmrc',
        ssh: `default,github=keys/id_ed25519`,
        'build-contexts': `libs=libs\nalt=${join(root, 'libs')}`,
        'add-hosts': 'v6:::1\nv6b=[fe80::1]',
      }),
      root,
      { SSH_AUTH_SOCK: '/tmp/agent.sock' },
    );
    expect(inputs.secretFiles).toEqual([{ id: 'NPMRC', path: join(root, 'secrets/npmrc') }]);
    expect(inputs.ssh).toEqual(['default', `github=${join(root, 'keys/id_ed25519')}`]);
    expect(inputs.buildContexts.map((entry) => entry.source)).toEqual([join(root, 'libs'), join(root, 'libs')]);
    expect(inputs.addHosts).toEqual(['v6:::1', 'v6b:fe80::1']);
    expect(notes).toEqual([]);
  });

  it('uses type=gha only where the runner provides the cache service', () => {
    const outside = resolved({ 'cache-from': 'type=gha', 'cache-to': 'type=gha,mode=max' });
    expect(outside.inputs.cacheFrom).toEqual([]);
    expect(outside.inputs.cacheTo).toEqual([]);
    expect(outside.notes).toEqual([
      expect.stringMatching(/^cache-from: type=gha left out: the GitHub Actions cache service is there only inside/),
      expect.stringMatching(/^cache-to: type=gha left out/),
    ]);
    const inside = resolved({ 'cache-to': 'type=gha,mode=max' }, '/w', {
      ACTIONS_RUNTIME_TOKEN: 'runtime-token',
      ACTIONS_RESULTS_URL: 'https://results.example.test/',
    });
    expect(inside.inputs.cacheTo).toEqual(['type=gha,mode=max']);
    expect(inside.notes).toEqual([]);
  });

  it('stops the run before anything is built, naming the input (and a target’s own value)', async () => {
    await expect(resolveOptions({ 'secret-files': 'NPMRC=secrets/none' }, root)).rejects.toThrow(
      "secret-files: NPMRC: 'secrets/none' is not a file",
    );
    const config = scratchTree('build-inputs-config', {
      Dockerfile: 'FROM scratch\n',
      '.github/container-hardening.yml': 'targets:\n  - context: .\n    build-contexts:\n      shared: ./nowhere\n',
    });
    await expect(resolveOptions({}, config)).rejects.toThrow(
      /container-hardening\.yml:2: build-contexts: shared: '\.\/nowhere' does not exist/,
    );
  });

  it('keeps secrets out of the configuration file', async () => {
    const config = scratchTree('build-inputs-secret-config', {
      Dockerfile: 'FROM scratch\n',
      '.github/container-hardening.yml': `secrets:\n  TOKEN: ${SECRET}\n`,
    });
    await expect(resolveOptions({}, config)).rejects.toThrow("'secrets' cannot be set in this file");
  });
});

describe('what a build may show', () => {
  it('hides secret values, variables and file contents, whole and line by line', () => {
    const root = scratchTree('secret-texts', {
      id_key: `-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAAB\n-----END KEY-----\n`,
    });
    writeFileSync(join(root, 'short'), 'ab');
    const { inputs } = resolveBuildInputs(
      parseSettings({
        secrets: `TOKEN=${SECRET}`,
        'secret-envs': 'PASS=CS_TEST_PASS',
        'secret-files': 'KEY=id_key\nSHORT=short',
      }),
      root,
      { CS_TEST_PASS: 'hunter2-but-longer' },
    );
    const texts = secretTexts(inputs, { CS_TEST_PASS: 'hunter2-but-longer' });
    expect(texts).toContain(SECRET);
    expect(texts).toContain('hunter2-but-longer');
    expect(texts).toContain('AAAAB3NzaC1yc2EAAAADAQABAAAB');
    expect(texts).not.toContain('ab');
    const log = `#7 0.3 token is ${SECRET}\n#7 0.4 AAAAB3NzaC1yc2EAAAADAQABAAAB\nhunter2-but-longer`;
    expect(redactSecrets(log, texts)).toBe('#7 0.3 token is ***\n#7 0.4 ***\n***');
  });
});

describe('layoutOutputSupported', () => {
  it.each([
    ['28.5.2', '0.29.1+ds1', '', true, true],
    ['26.0.0', 'v0.13.1', '', true, true],
    // Recorded from Docker 28.5.2 on overlay2: "OCI exporter is not supported for the docker driver".
    ['28.5.2', '0.29.1+ds1', '', false, false],
    ['25.0.3', '0.12.1', '', true, false], // BuildKit 0.12: one output only
    ['28.5.2', '0.12.1', '', true, false],
    ['20.10.24+dfsg1', '0.10.2+ds1', '', false, false],
    ['28.5.2', null, '', true, false],
    ['28.5.2', '0.29.1', 'remote-builder', true, false], // its BuildKit version is not the engine's
  ])('engine %s, buildx %s, builder %j, containerd store %s: %s', (engine, buildx, builder, containerd, expected) => {
    expect(layoutOutputSupported(engine, buildx, builder, containerd)).toBe(expected);
  });
});

describe('cacheOnlySupported', () => {
  it.each([
    ['28.5.2', '0.29.1+ds1', '', true],
    ['23.0.0', 'v0.10.0', '', true],
    ['20.10.24+dfsg1', '0.10.2+ds1', '', false], // its BuildKit 0.8 has no cacheonly exporter
    ['28.5.2', '0.9.1', '', false],
    ['28.5.2', null, '', false],
    ['28.5.2', '0.29.1', 'remote-builder', false],
  ])('engine %s, buildx %s, builder %j: %s', (engine, buildx, builder, expected) => {
    expect(cacheOnlySupported(engine, buildx, builder)).toBe(expected);
  });

  it('builds into the cache instead of loading an image', () => {
    const files = { iid: '/tmp/iid', metadata: '/tmp/meta.json' };
    const request: BuildRequest = { context: '.', dockerfile: 'Dockerfile', buildArgs: {}, noCache: false, tags: [] };
    const cacheOnly = buildxArgs({ ...request, cacheOnly: true }, files);
    expect(cacheOnly).not.toContain('--load');
    expect(cacheOnly.join(' ')).toContain('--output type=cacheonly');
    expect(buildxArgs(request, files)).toContain('--load');
  });
});
