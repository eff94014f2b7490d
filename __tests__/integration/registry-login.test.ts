import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../src/model.js';
import { exec, leftovers, REPO } from '../helpers/run.js';
import { scratchDir } from '../helpers/scratch.js';

// Registry credentials never reach an output. A second registry on this machine (Debian's
// docker-registry) demands a login (htpasswd, a bcrypt hash made with Python's crypt), the test
// logs in to it with a password of its own in a docker config of its own, and the tool pushes
// there and reads the pushed image's attestations back with that login. The password — and the
// base64 the config and the Authorization header carry — must appear in no log, report or summary.

const ADDRESS = '127.0.0.1:5001';
const PASSWORD = `cs-pw-${randomBytes(12).toString('hex')}`;
const USER = 'cs-release-bot';
const unique = randomBytes(6).toString('hex');
const image = `${ADDRESS}/login-${unique}/app:1`;
let registry: ChildProcess | undefined;
let dockerConfig: string;
let work: string;

async function answers(): Promise<number> {
  const probe = await exec('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${ADDRESS}/v2/`]);
  return Number(probe.stdout.trim()) || 0;
}

beforeAll(async () => {
  if (!existsSync('/usr/bin/docker-registry'))
    throw new Error('no /usr/bin/docker-registry: scripts/setup-engine.sh installs it (Debian docker-registry)');
  work = scratchDir('registry-login');
  const hash = await exec('python3', [
    '-W',
    'ignore',
    '-c',
    'import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))',
    PASSWORD,
  ]);
  if (hash.code !== 0 || !hash.stdout.startsWith('$2')) throw new Error(`no bcrypt hash from python3: ${hash.stderr}`);
  writeFileSync(join(work, 'htpasswd'), `${USER}:${hash.stdout.trim()}\n`);
  writeFileSync(
    join(work, 'registry.yml'),
    [
      'version: 0.1',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(work, 'storage')}`,
      'auth:',
      '  htpasswd:',
      '    realm: cs-test',
      `    path: ${join(work, 'htpasswd')}`,
      'http:',
      `  addr: ${ADDRESS}`,
      '',
    ].join('\n'),
  );
  registry = spawn('/usr/bin/docker-registry', ['serve', join(work, 'registry.yml')], { stdio: 'ignore' });
  for (let tries = 0; tries < 40 && (await answers()) !== 401; tries++)
    await new Promise((resolve) => setTimeout(resolve, 250));
  expect(await answers()).toBe(401);
  dockerConfig = scratchDir('docker-config');
  // The CLI finds plugins (buildx, compose) in its config directory too: the same ones as the default.
  const plugins = join(homedir(), '.docker', 'cli-plugins');
  if (existsSync(plugins)) symlinkSync(plugins, join(dockerConfig, 'cli-plugins'));
  const login = await new Promise<number>((resolve) => {
    const child = spawn('docker', ['login', ADDRESS, '--username', USER, '--password-stdin'], {
      env: { ...process.env, DOCKER_CONFIG: dockerConfig },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('close', (code) => resolve(code ?? 1));
    child.stdin.end(PASSWORD);
  });
  expect(login).toBe(0);
}, 60_000);

afterAll(async () => {
  registry?.kill();
  await exec('docker', ['image', 'rm', '-f', image]);
});

/** Everything a run shows or writes: its output streams and every file it wrote in its directory. */
function everything(run: { stdout: string; stderr: string }, dir: string): string {
  const files = readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8'));
  return [run.stdout, run.stderr, ...files].join('\n');
}

describe('registry credentials', () => {
  const secrets = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];

  it('are used to push the proven image and read it back, and appear in no output', async () => {
    const out = scratchDir('registry-login-out');
    const env = { ...process.env, DOCKER_CONFIG: dockerConfig, GITHUB_STEP_SUMMARY: join(out, 'summary.md') };
    const push = await exec(
      process.execPath,
      [
        join(REPO, 'dist/cli.js'),
        'check',
        '--context',
        'examples/hardened',
        '--push',
        '--tags',
        image,
        '--idle-seconds',
        '1',
        '--json',
        join(out, 'push.json'),
        '--sarif',
        join(out, 'push.sarif'),
        '--markdown',
        join(out, 'push.md'),
      ],
      { cwd: REPO, env },
    );
    if (!existsSync(join(out, 'push.json'))) throw new Error(`no report (exit ${push.code}): ${push.stderr}`);
    const report = JSON.parse(readFileSync(join(out, 'push.json'), 'utf8')) as Report;
    expect({ code: push.code, push: report.push?.outcome }).toEqual({ code: 0, push: 'pushed' });
    // Read back by reference through the login: its attestations (what the store pushed with it).
    const read = await exec(
      process.execPath,
      [
        join(REPO, 'dist/cli.js'),
        'check',
        '--mode',
        'static',
        '--image',
        image,
        '--check-attestations',
        '--json',
        join(out, 'read.json'),
      ],
      { cwd: REPO, env },
    );
    const readReport = JSON.parse(readFileSync(join(out, 'read.json'), 'utf8')) as Report;
    // Read, whatever it holds (an index with provenance from the containerd store, a manifest alone
    // from the classic one): judged, not an error.
    const provenance = readReport.checks.find((check) => check.id === 'HARD-SUPPLY-003');
    expect(['pass', 'fail']).toContain(provenance?.status);
    // Without the login the same read is refused: the registry does demand it.
    const refused = await exec('docker', ['buildx', 'imagetools', 'inspect', '--raw', image], {
      env: { ...process.env, DOCKER_CONFIG: scratchDir('no-login') },
    });
    expect(refused.code).not.toBe(0);
    const shown = everything(push, out) + everything(read, out);
    for (const secret of secrets) expect(shown).not.toContain(secret);
    expect(await leftovers()).toEqual([]);
  });
});
