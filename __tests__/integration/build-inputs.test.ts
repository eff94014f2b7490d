import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/model.js';
import { startDisposableEngine } from '../helpers/engine2.js';
import { byId, check, exec, fixture, REPO } from '../helpers/run.js';
import { runAction } from '../helpers/runner.js';
import { scratchDir } from '../helpers/scratch.js';

// docker/build-push-action's build inputs on real builds: each fixture needs its input to build
// (it fails without it: shown too), every build of the target gets it (the cache probe re-runs the
// step that needs it), and no secret value reaches any output.

const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  exec(process.execPath, [join(REPO, 'dist/cli.js'), ...args], { env, cwd: REPO });

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function fileInImage(image: string, path: string): Promise<string> {
  const run = await exec('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'cat', image, path]);
  if (run.code !== 0) throw new Error(`cat ${path} in ${image}: ${run.stderr}`);
  return run.stdout.trim();
}

async function containerdStore(): Promise<boolean> {
  const info = await exec('docker', ['info', '--format', '{{json .DriverStatus}}']);
  return info.stdout.includes('io.containerd.snapshotter');
}

/** Every report a run can write, by flag. */
function reportFiles(dir: string): Record<string, string> {
  return {
    '--json': join(dir, 'report.json'),
    '--sarif': join(dir, 'report.sarif'),
    '--junit': join(dir, 'junit.xml'),
    '--markdown': join(dir, 'summary.md'),
    '--codequality': join(dir, 'codequality.json'),
  };
}

describe('secrets: RUN --mount=type=secret builds, and no value reaches any output', () => {
  // Unique per run, shaped like nothing else in a report.
  const apiToken = `cs-api-${randomUUID()}`;
  const npmToken = `cs-npm-${randomUUID()}`;
  const npmrcToken = `cs-npmrc-${randomUUID()}`;
  const npmrc = `//registry.npmjs.org/:_authToken=${npmrcToken}\n`;
  const values = [apiToken, npmToken, npmrcToken];
  const env = { ...process.env, CS_TEST_NPM_TOKEN: npmToken };

  function secretArgs(dir: string): string[] {
    writeFileSync(join(dir, 'npmrc'), npmrc);
    return [
      '--secrets',
      `api_token=${apiToken}`,
      '--secret-envs',
      'npm_token=CS_TEST_NPM_TOKEN',
      '--secret-files',
      `npmrc=${join(dir, 'npmrc')}`,
    ];
  }

  function expectNowhere(texts: Record<string, string>): void {
    for (const [where, text] of Object.entries(texts))
      for (const value of values) expect({ where, leaked: text.includes(value) }).toEqual({ where, leaked: false });
  }

  it('the CLI builds with secrets, secret-envs and secret-files; the JSON, SARIF, JUnit, Markdown, Code Quality, stdout and stderr never show them', async () => {
    const dir = scratchDir('secrets');
    const files = reportFiles(dir);
    const run = await cli(
      [
        'check',
        '--context',
        fixture('build-secrets'),
        ...secretArgs(dir),
        // A secret's value is not part of a step's cache key: without --no-cache an earlier run's
        // step (other values) would be reused and the digests below would be of those.
        '--no-cache',
        '--idle-seconds',
        '1',
        ...Object.entries(files).flat(),
      ],
      env,
    );
    const report = JSON.parse(readFileSync(files['--json'], 'utf8')) as Report;
    const target = report.targets[0];
    expect(byId(target, 'HARD-BUILD-001').status).toBe('pass');
    // Every build got the secrets: the rebuild, and the cache probe, which re-ran the secret step.
    expect(byId(target, 'HARD-CACHE-001').status).toBe('pass');
    expect(byId(target, 'HARD-CACHE-002').status).toBe('pass');
    expect(byId(target, 'HARD-CACHE-002').message).toMatch(/re-ran \d+ steps of \d+.*RUN --mount=type=secret/);
    expect(run.code).toBe(0);
    // The image was built with exactly these values.
    const image = target.target.imageId!;
    expect(await fileInImage(image, '/srv/digests/api_token')).toBe(sha256(apiToken));
    expect(await fileInImage(image, '/srv/digests/npm_token')).toBe(sha256(npmToken));
    expect(await fileInImage(image, '/srv/digests/npmrc')).toBe(sha256(npmrc));
    expectNowhere({
      stdout: run.stdout,
      stderr: run.stderr,
      ...Object.fromEntries(Object.entries(files).map(([flag, path]) => [flag, readFileSync(path, 'utf8')])),
    });
  });

  it('fails without them: the build needs each one', async () => {
    // Without the cache: BuildKit reuses a cached secret step without asking for the secret.
    const run = await check({ context: fixture('build-secrets'), 'cache-probe': 'false', 'no-cache': 'true' });
    const build = byId(run, 'HARD-BUILD-001');
    expect(build.status).toBe('fail');
    expect(build.message).toMatch(/secret api_token: not found|api_token/);
  });

  it('a build that prints its secret and fails: the log tail in every output shows *** instead', async () => {
    const dir = scratchDir('secret-printed');
    const files = reportFiles(dir);
    const run = await cli(
      [
        'check',
        '--context',
        fixture('build-secret-printed'),
        '--secrets',
        `api_token=${apiToken}`,
        ...Object.entries(files).flat(),
      ],
      env,
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(readFileSync(files['--json'], 'utf8')) as Report;
    const build = byId(report.targets[0], 'HARD-BUILD-001');
    expect(build.status).toBe('fail');
    expect(build.message).toContain('the token is ***');
    expectNowhere({
      stdout: run.stdout,
      stderr: run.stderr,
      ...Object.fromEntries(Object.entries(files).map(([flag, path]) => [flag, readFileSync(path, 'utf8')])),
    });
  });

  it('the action masks every value (::add-mask::) and writes none into its log, annotations, summary or outputs', async () => {
    const dir = scratchDir('secrets-action');
    writeFileSync(join(dir, 'npmrc'), npmrc);
    const run = await runAction(
      {
        context: fixture('build-secret-printed'),
        secrets: `api_token=${apiToken}`,
        'secret-envs': 'npm_token=CS_TEST_NPM_TOKEN',
        'secret-files': `npmrc=${join(dir, 'npmrc')}`,
      },
      { env: { CS_TEST_NPM_TOKEN: npmToken } },
    );
    expect(run.code).toBe(1); // the fixture fails its build after printing the token
    for (const value of [apiToken, npmToken]) expect(run.stdout).toContain(`::add-mask::${value}`);
    expect(run.stdout).toContain(`::add-mask::${npmrc.trim()}`);
    const logWithoutMasks = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    expect(logWithoutMasks).toMatch(/::error title=HARD-BUILD-001/);
    expectNowhere({
      log: logWithoutMasks,
      stderr: run.stderr,
      summary: run.summary,
      outputs: JSON.stringify(run.outputs),
      report: readFileSync(run.outputs['report-file'], 'utf8'),
    });
  });
});

describe('build-contexts, labels, network, add-hosts, ssh', () => {
  it('build-contexts: COPY --from=shared reads the named directory, in the build and in the cache probe', async () => {
    const shared = scratchDir('shared-context');
    writeFileSync(join(shared, 'greeting.txt'), 'hello from the shared context\n');
    const run = await check({ context: fixture('build-context'), 'build-contexts': `shared=${shared}` });
    expect(byId(run, 'HARD-BUILD-001').status).toBe('pass');
    expect(await fileInImage(run.target.imageId!, '/srv/www/greeting.txt')).toBe('hello from the shared context');
    // The probe edited index.html in a copy of the context; the COPY --from=shared after it re-ran.
    const probe = byId(run, 'HARD-CACHE-002');
    expect(probe.status).toBe('pass');
    expect(probe.message).toMatch(/COPY --from=shared/);

    const without = await check({ context: fixture('build-context'), 'cache-probe': 'false' });
    expect(byId(without, 'HARD-BUILD-001').status).toBe('fail');
  });

  it('labels: the image carries them (and they count for required-labels)', async () => {
    const run = await check({
      context: fixture('user-nonroot'),
      labels: 'org.opencontainers.image.source=https://example.test/app\nteam=payments, checkout',
      'required-labels': 'team',
      'cache-probe': 'false',
      'hardened-run': 'false',
      'idle-seconds': '1',
    });
    const inspect = await exec('docker', [
      'image',
      'inspect',
      '--format',
      '{{json .Config.Labels}}',
      run.target.imageId!,
    ]);
    expect(JSON.parse(inspect.stdout)).toMatchObject({
      'org.opencontainers.image.source': 'https://example.test/app',
      team: 'payments, checkout',
    });
    expect(byId(run, 'HARD-LABELS-001').status).toBe('pass');
  });

  it('network: none and add-hosts reach the RUN instructions (the fixture builds only with both)', async () => {
    const inputs = { context: fixture('build-run-options'), 'cache-probe': 'false', 'hardened-run': 'false' };
    const run = await check({
      ...inputs,
      network: 'none',
      'add-hosts': 'cs-fixture.internal:10.11.12.13',
      'idle-seconds': '1',
    });
    expect(byId(run, 'HARD-BUILD-001').status).toBe('pass');
    // The rebuild had them too: with nothing changed, every step came from the cache.
    expect(byId(run, 'HARD-CACHE-001').message).toMatch(/^all \d+ steps from the cache/);

    const noNetworkOnly = await check({ ...inputs, network: 'none', 'no-cache': 'true' });
    expect(byId(noNetworkOnly, 'HARD-BUILD-001').message).toMatch(/cs-fixture\.internal|exit code: 2/);
    const hostOnly = await check({ ...inputs, 'add-hosts': 'cs-fixture.internal=10.11.12.13', 'no-cache': 'true' });
    expect(byId(hostOnly, 'HARD-BUILD-001').message).toContain('the build has a network');
  });

  it('ssh: RUN --mount=type=ssh reaches the agent of SSH_AUTH_SOCK and its key', async () => {
    const dir = scratchDir('ssh');
    const socket = join(dir, 'agent.sock');
    const agent = await exec('ssh-agent', ['-a', socket, '-s']);
    expect(agent.code).toBe(0);
    const pid = /SSH_AGENT_PID=(\d+)/.exec(agent.stdout)![1];
    const saved = process.env.SSH_AUTH_SOCK;
    try {
      const keygen = await exec('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        'cs-hardening-fixture',
        '-f',
        join(dir, 'key'),
      ]);
      expect(keygen.code).toBe(0);
      expect((await exec('ssh-add', [join(dir, 'key')], { env: { ...process.env, SSH_AUTH_SOCK: socket } })).code).toBe(
        0,
      );
      process.env.SSH_AUTH_SOCK = socket;
      const inputs = {
        context: fixture('build-ssh'),
        'cache-probe': 'false',
        'hardened-run': 'false',
        'idle-seconds': '1',
      };
      const run = await check({ ...inputs, ssh: 'default' });
      expect(byId(run, 'HARD-BUILD-001').status).toBe('pass');
      const without = await check({ ...inputs, 'no-cache': 'true' });
      expect(byId(without, 'HARD-BUILD-001').status).toBe('fail');
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      process.kill(Number(pid), 'SIGTERM');
    }
  });
});

describe('cache-to and cache-from: local and registry', () => {
  // A fresh engine has no cache of its own: there a step comes from the cache only when cache-from
  // imported it. Its own directory and bridge: never the reliability suite's engine.
  const place = { root: '/tmp/cs-hardening-engine-cache', bridge: 'cs-hard-cache', address: '172.31.251.1/24' };
  const light = [
    '--cache-probe',
    'false',
    '--hardened-run',
    'false',
    '--idle-seconds',
    '1',
    '--ready-timeout-seconds',
    '5',
  ];

  it('cache-to exports (local directory, 127.0.0.1:5000); cache-from on another engine takes every step from it', async () => {
    const nonce = randomUUID();
    const dir = scratchDir('cache');
    const local = join(dir, 'buildx-cache');
    const ref = `127.0.0.1:5000/cs-test/build-inputs-cache:${nonce.slice(0, 8)}`;
    const exported = await cli([
      'check',
      '--context',
      fixture('build-cache'),
      '--build-arg',
      `NONCE=${nonce}`,
      '--cache-to',
      `type=local,dest=${local}`,
      '--cache-to',
      `type=registry,ref=${ref},mode=max`,
      ...light,
      '--json',
      join(dir, 'export.json'),
    ]);
    if (!(await containerdStore())) {
      // The docker driver exports cache only with the containerd image store: one clear line.
      expect(exported.code).toBe(2);
      expect(exported.stderr.trim().split('\n').pop()).toMatch(
        /^cs-docker-hardening: cache-to: the builder cannot export cache .*docker buildx create --use/,
      );
      return;
    }
    expect(existsSync(join(local, 'index.json'))).toBe(true);
    const tags = await exec('curl', ['-fsS', `http://127.0.0.1:5000/v2/cs-test/build-inputs-cache/tags/list`]);
    expect((JSON.parse(tags.stdout) as { tags: string[] }).tags).toContain(nonce.slice(0, 8));

    try {
      await importOnFreshEngines(nonce, [`type=local,src=${local}`, `type=registry,ref=${ref}`], dir);
    } finally {
      await deleteFromRegistry('cs-test/build-inputs-cache', nonce.slice(0, 8));
    }
  });

  async function importOnFreshEngines(nonce: string, sources: string[], dir: string): Promise<void> {
    for (const from of sources) {
      const engine = await startDisposableEngine(place);
      try {
        const base = await exec('sh', [
          '-c',
          `docker save cs-hardening/busybox-tini:local | docker -H ${engine.host} load -q`,
        ]);
        expect(base.code).toBe(0);
        const build = async (buildNonce: string, extra: string[], name: string) => {
          const out = join(dir, `${name}.json`);
          const run = await cli(
            ['check', '--context', fixture('build-cache'), '--build-arg', `NONCE=${buildNonce}`, ...extra, ...light],
            { ...process.env, DOCKER_HOST: engine.host },
          );
          return { run, report: JSON.parse(readFileSync(out, 'utf8')) as Report };
        };
        if (from === sources[0]) {
          // The control: on this engine, a step never built before runs (is not from the cache).
          const control = await build(randomUUID(), ['--json', join(dir, 'control.json')], 'control');
          const metrics = control.report.targets[0].metrics;
          expect(metrics.buildCachedSteps).toBeLessThan(metrics.buildSteps!);
        }
        const name = `import-${from.startsWith('type=local') ? 'local' : 'registry'}`;
        const { run, report } = await build(nonce, ['--cache-from', from, '--json', join(dir, `${name}.json`)], name);
        const metrics = report.targets[0].metrics;
        expect({ from, ok: byId(report.targets[0], 'HARD-BUILD-001').status }).toEqual({ from, ok: 'pass' });
        expect({ from, cached: metrics.buildCachedSteps }).toEqual({ from, cached: metrics.buildSteps });
        expect(metrics.buildSteps).toBeGreaterThan(0);
        expect(run.code).not.toBe(2);
      } finally {
        await engine.destroy();
      }
    }
  }
});

/** The registry keeps nothing a test pushed: the tag's manifest is deleted (delete is enabled). */
async function deleteFromRegistry(name: string, tag: string): Promise<void> {
  const accept = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.v2+json',
  ].flatMap((type) => ['-H', `Accept: ${type}`]);
  const head = await exec('curl', ['-fsSI', ...accept, `http://127.0.0.1:5000/v2/${name}/manifests/${tag}`]);
  const digest = /^docker-content-digest:\s*(\S+)/im.exec(head.stdout)?.[1];
  if (digest) await exec('curl', ['-fsS', '-X', 'DELETE', `http://127.0.0.1:5000/v2/${name}/manifests/${digest}`]);
}

describe('pull', () => {
  it('pull: true with a base that exists only on this engine: one clear line, exit 2 (the build stops before anything runs)', async () => {
    const run = await cli([
      'check',
      '--context',
      fixture('user-nonroot'),
      '--pull',
      '--json',
      join(scratchDir('pull'), 'r.json'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n').pop()).toMatch(
      /^cs-docker-hardening: pull: true fetches every base image from its registry, and (docker\.io\/)?cs-hardening\/busybox-tini:local could not be fetched \(.+\); it exists only on this engine .*set pull to false$/,
    );
  });
});

describe('bad build inputs: one clear line, exit 2, no stack trace', () => {
  const secretLike = `cs-bad-${randomUUID()}`;
  const cases: [string, string[], RegExp][] = [
    [
      'secret line without =',
      ['--secrets', secretLike],
      /^secrets: line 1 is not id=value \(the line is not shown: it may hold the secret\)/,
    ],
    ['secret with an empty value', ['--secrets', 'TOKEN='], /^secrets: TOKEN has an empty value/],
    [
      'secret file that does not exist',
      ['--secret-files', 'npmrc=./no/npmrc'],
      /^secret-files: npmrc: '\.\/no\/npmrc' is not a file/,
    ],
    [
      'secret env that is not set',
      ['--secret-envs', 'npm=CS_TEST_UNSET_VARIABLE'],
      /^secret-envs: npm reads the environment variable CS_TEST_UNSET_VARIABLE, which is not set/,
    ],
    [
      'ssh default without an agent',
      ['--ssh', 'default'],
      /^ssh: 'default' forwards the agent at SSH_AUTH_SOCK, which is not set/,
    ],
    [
      'build context that does not exist',
      ['--build-contexts', 'shared=./no/such/dir'],
      /^build-contexts: shared: '\.\/no\/such\/dir' does not exist/,
    ],
    ['cache type unknown', ['--cache-to', 'type=redis,ref=x'], /^cache-to line 1: unknown cache type 'redis'/],
    [
      'local cache without its directory',
      ['--cache-from', 'type=local'],
      /^cache-from line 1: type=local needs src=DIRECTORY/,
    ],
    ['label without =', ['--label', 'team'], /^labels: 'team' is not KEY=VALUE/],
    ['network unknown', ['--network', 'bridge'], /^network: 'bridge' is not one of default, none, host/],
    ['host without an address', ['--add-host', 'db.internal'], /^add-hosts: 'db\.internal' is not host:ip/],
    ['pull that is not a boolean', ['--pull=always'], /^pull: 'always' is not a boolean/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const env = { ...process.env };
    delete env.SSH_AUTH_SOCK;
    delete env.CS_TEST_UNSET_VARIABLE;
    const run = await cli(['check', '--context', fixture('user-nonroot'), ...args], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const last = run.stderr.trim().split('\n').pop() ?? '';
    expect(last.replace(/^cs-docker-hardening: /, '')).toMatch(message);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toContain(secretLike);
  });
});
