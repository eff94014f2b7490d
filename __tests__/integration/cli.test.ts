import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/model.js';
import { exec, fixture, REPO } from '../helpers/run.js';
import { scratchDir } from '../helpers/scratch.js';

const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  exec(process.execPath, [join(REPO, 'dist/cli.js'), ...args], { env });

describe('the CLI (committed bundle)', () => {
  it('exits 0 on the hardened example and 1 on the legacy one, with the table on stdout and the JSON report', async () => {
    const dir = scratchDir('cli');
    const good = await cli(['check', '--context', 'examples/hardened', '--json', join(dir, 'good.json')]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^PASSED/);
    expect(good.stdout).toMatch(/✔ pass\s+HARD-USER-001/);
    expect(good.stderr).toContain('▸ build…');
    expect((JSON.parse(readFileSync(join(dir, 'good.json'), 'utf8')) as Report).passed).toBe(true);

    const bad = await cli(['check', '--context', 'examples/legacy', '--json', join(dir, 'bad.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAILED/);
    expect(bad.stdout).toMatch(/✖ fail\s+HARD-USER-001\s+Runs as a non-root user\s+\(examples\/legacy\/Dockerfile:4\)/);
    expect((JSON.parse(readFileSync(join(dir, 'bad.json'), 'utf8')) as Report).passed).toBe(false);
  });

  it('lets a flag override the config file and the default', async () => {
    const run = await cli(['check', '--context', 'examples/hardened', '--max-image-size-mb', '10']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✖ fail\s+HARD-SIZE-001/);
    expect(run.stdout).toContain('(limit 10 MB)');
  });

  it.each([
    [['check', '--bogus'], 'cs-docker-hardening: unknown flag --bogus; see cs-docker-hardening --help for the flags'],
    [
      ['check', '--context', 'examples/nowhere'],
      "cs-docker-hardening: context: directory 'examples/nowhere' does not exist (looked in " +
        REPO +
        '/examples/nowhere)',
    ],
    [
      ['check', '--context', 'examples', '--file', 'examples/Dockerfile.missing'],
      "cs-docker-hardening: --file 'examples/Dockerfile.missing' does not exist",
    ],
    [
      ['check', '--context', 'examples/hardened', '--max-layers', '-3'],
      'cs-docker-hardening: max-layers: -3 is below 0; give a whole number of layers of at least 0',
    ],
    [
      ['check', '--context', 'examples/hardened', '--target', 'tester'],
      "cs-docker-hardening: target: no stage named 'tester' in examples/hardened/Dockerfile (named stages: builder)",
    ],
  ])('%j → exit 2 with a one-line cause', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n').pop()).toBe(message);
    expect(run.stdout).toBe('');
  });

  it('exits 2 with a one-line cause when no engine answers', async () => {
    const run = await cli(['check', '--context', fixture('user-nonroot')], {
      ...process.env,
      DOCKER_HOST: 'unix:///tmp/cs-hardening-absent.sock',
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n').pop()).toBe(
      'cs-docker-hardening: cannot reach the Docker engine at unix:///tmp/cs-hardening-absent.sock (connect ENOENT /tmp/cs-hardening-absent.sock): start Docker, or set DOCKER_HOST to an engine that answers',
    );
  });

  it('exits 2 on a Dockerfile BuildKit would refuse, naming the line', async () => {
    const dir = scratchDir('cli-syntax');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPPY . /app\n');
    const run = await cli(['check', '--context', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Dockerfile:2: unknown instruction 'COPPY'");
  });

  it("reads the user's .env, not a copy the bundler shipped: the bundle interpolates from the project", async () => {
    // Once, the bundler turned `resolve(dir, '.env')` into a path inside dist/ and shipped the
    // build machine's examples/legacy/.env there: the bundle never read the project's own.
    const dir = scratchDir('cli-dotenv');
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  db:\n    image: postgres:${PG_TAG}\n');
    writeFileSync(join(dir, '.env'), 'PG_TAG=latest\n');
    const run = await cli(['check', '--context', dir]);
    expect(run.stdout).toMatch(/✖ fail\s+HARD-COMPOSE-011\s+Service images are pinned\s+\([^)]*compose\.yaml:3\)/);
    expect(run.stdout).toContain('db: image postgres:latest uses latest');
  });

  it('refuses, with compose’s words and once, a project compose refuses; judges it once given what it lacks', async () => {
    // Shaped like a self-hosted project: its services read a `.env` users make from `.env.sample`.
    const dir = scratchDir('cli-refused');
    writeFileSync(
      join(dir, 'compose.yaml'),
      'services:\n  db:\n    image: postgres:15.4\n    env_file: .env\n  app:\n    image: app:1.2\n    env_file: .env\n    read_only: ${APP_READ_ONLY}\n',
    );
    writeFileSync(join(dir, '.env.sample'), 'APP_READ_ONLY=true\nPOSTGRES_PASSWORD=\n');
    const refused = await cli(['check', '--static-only', '--context', dir, '--json', join(dir, 'report.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.match(/compose refuses this project/g)).toHaveLength(1);
    expect(refused.stderr.match(/env file \S*\.env not found/g)).toHaveLength(1);
    expect(refused.stderr).toContain(`(${dir}/compose.yaml:4, ${dir}/compose.yaml:7)`);
    expect(refused.stderr).toContain('services.app.read_only: failed to cast to expected type: invalid boolean');
    expect(refused.stderr).toContain('--compose-env-example true');
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const given = await cli(['check', '--static-only', '--context', dir, '--compose-env-example', 'true']);
    expect(given.code).toBe(0); // judged now: the stack's findings (warnings), not a refusal
    expect(given.stdout).toMatch(/HARD-COMPOSE-001/);
    expect(`${given.stdout}${given.stderr}`).toContain('.env.sample, the committed example, stands in for the missing');
    const byEnv = await cli(['check', '--static-only', '--context', dir, '--runtime-env', 'APP_READ_ONLY=true']);
    expect(byEnv.code).toBe(2); // the env file is still missing
    expect(byEnv.stderr).not.toContain('invalid boolean');
  });

  it('prints help and version', async () => {
    expect((await cli(['--help'])).stdout).toContain('--max-image-size-mb <number> [default: 500]');
    expect((await cli(['--version'])).stdout).toMatch(/^cs-docker-hardening \d+\.\d+\.\d+\n$/);
  });
});
