import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Report } from '../../src/model.js';
import { byId, check, checkRun, exec, fixture, leftovers, REPO } from '../helpers/run.js';

afterEach(async () => {
  expect(await leftovers()).toEqual([]);
});

describe('compose-up', () => {
  it('brings the example stack up healthy, reports time to healthy and the real start order, and takes it down', async () => {
    const report = await check({
      context: 'examples/hardened',
      'compose-up': 'true',
      'cache-probe': 'false',
      'idle-seconds': '1',
      'runtime-env': 'POSTGRES_PASSWORD=compose-test-password\nREDIS_PASSWORD=compose-test-password',
    });
    const stack = byId(report, 'HARD-COMPOSE-012');
    expect(stack.status).toBe('pass');
    const services = stack.measured as { service: string; healthyAt: number; startedAt: number }[];
    expect(services.map((service) => service.service).sort()).toEqual(['customer-success-mcp', 'postgres', 'redis']);
    for (const service of services) expect(service.healthyAt).toBeGreaterThan(service.startedAt);
    const order = byId(report, 'HARD-COMPOSE-013');
    expect(order.status).toBe('pass');
    expect(order.message).toMatch(
      /customer-success-mcp started [\d.]+ s after postgres was healthy; customer-success-mcp started [\d.]+ s after redis was healthy/,
    );
    // The app waited for both gates: it started after the later of them.
    const app = services.find((service) => service.service === 'customer-success-mcp')!;
    expect(app.startedAt).toBeGreaterThanOrEqual(
      Math.max(...services.filter((service) => service !== app).map((service) => service.healthyAt)),
    );
    expect(report.passed).toBe(true);
  });

  it('fails a stack that never becomes healthy, naming the service, and still takes it down with its volumes', async () => {
    const report = await check({
      context: fixture('../compose/unhealthy'),
      'compose-up': 'true',
      'compose-up-timeout-seconds': '20',
      'cache-probe': 'false',
      'hardened-run': 'false',
      'idle-seconds': '1',
    });
    const stack = byId(report, 'HARD-COMPOSE-012');
    expect(stack.status).toBe('fail');
    expect(stack.message).toMatch(/web is unhealthy/);
    const volumes = await exec('docker', ['volume', 'ls', '-q']);
    expect(volumes.stdout).not.toMatch(/cs-hardening-.*scratch/);
  });

  it('brings up a project whose missing .env its committed example stands in for (compose-env-example)', async () => {
    const inputs = {
      context: fixture('../compose/env-example'),
      'compose-up': 'true',
      'compose-up-timeout-seconds': '30',
    };
    // As it is in a checkout, compose refuses it: so does the check.
    await expect(checkRun(inputs)).rejects.toThrow(/env file \S*\.env not found/);
    const report = await checkRun({ ...inputs, 'compose-env-example': 'true' });
    const stack = report.targets[0].checks.find((result) => result.id === 'HARD-COMPOSE-012')!;
    expect([stack.status, stack.message]).toEqual(['pass', expect.stringMatching(/web/)]);
    expect(report.notes.join('\n')).toContain('.env.example, the committed example, stands in for the missing');
  });

  describe('a service that runs the image another builds (build once, run twice)', () => {
    // A name of this test's own, so no other run's image is touched.
    const name = `cs-hardening-test/build-once-${randomBytes(4).toString('hex')}:1`;
    const idOf = async (reference: string): Promise<string | null> => {
      const inspected = await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', reference]);
      return inspected.code === 0 ? inspected.stdout.trim() : null;
    };
    const run = () =>
      checkRun({
        context: fixture('../compose/build-once'),
        'compose-up': 'true',
        'compose-up-timeout-seconds': '60',
        'runtime-env': `APP_IMAGE=${name}`,
        'cache-probe': 'false',
        'hardened-run': 'false',
        'idle-seconds': '1',
      });
    afterAll(async () => {
      await exec('docker', ['image', 'rm', name]);
    });

    it('brings both up from the one proven image, which carries the name the stack gives it', async () => {
      expect(await idOf(name)).toBeNull();
      const report = await run();
      // One build: the worker joined the target of the image it runs.
      expect(report.targets.map((target) => [target.kind, target.target.services])).toEqual([
        [
          'build',
          [
            '__tests__/fixtures/compose/build-once/compose.yaml#web',
            '__tests__/fixtures/compose/build-once/compose.yaml#worker',
          ],
        ],
      ]);
      const [target] = report.targets;
      const proven = target.target.imageId!;
      const stack = byId(target, 'HARD-COMPOSE-012');
      expect(stack).toMatchObject({ status: 'pass' });
      const services = stack.measured as { service: string; image: string }[];
      expect(services.map((service) => [service.service, service.image]).sort()).toEqual([
        ['web', proven],
        ['worker', proven],
      ]);
      expect(report.notes).toEqual([]);
      // As `compose build` would have tagged it: the name now names the proven image.
      expect(await idOf(name)).toBe(proven);
    });

    it('gives the name back to the image that held it before', async () => {
      const base = (await idOf('cs-hardening/busybox-tini:local'))!;
      expect((await exec('docker', ['image', 'tag', 'cs-hardening/busybox-tini:local', name])).code).toBe(0);
      const report = await run();
      const [target] = report.targets;
      const services = byId(target, 'HARD-COMPOSE-012').measured as { service: string; image: string }[];
      expect(services.map((service) => service.image)).toEqual([target.target.imageId, target.target.imageId]);
      expect(target.target.imageId).not.toBe(base);
      expect(await idOf(name)).toBe(base);
    });
  });

  it('is not run unless asked', async () => {
    const report = await check({
      context: fixture('../compose/unhealthy'),
      'cache-probe': 'false',
      'hardened-run': 'false',
      'idle-seconds': '1',
    });
    expect(byId(report, 'HARD-COMPOSE-012')).toMatchObject({ status: 'skip', message: 'compose-up not requested' });
  });
});

describe('--static-only', () => {
  it('reads the files and builds and runs nothing', async () => {
    const images = async (): Promise<string[]> =>
      (await exec('docker', ['images', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean).sort();
    const before = await images();
    const run = await exec(process.execPath, [
      `${REPO}/dist/cli.js`,
      'check',
      '--context',
      'examples/legacy',
      '--static-only',
      '--json',
      '.tmp/static.json',
    ]);
    expect(run.code).toBe(1);
    const report = JSON.parse(readFileSync(`${REPO}/.tmp/static.json`, 'utf8')) as Report;
    // Compose files are read once, when the run plans its targets.
    expect(Object.keys(report.timings)).toEqual(['plan', 'dockerfile', 'context']);
    expect(byId(report, 'HARD-BUILD-001')).toMatchObject({ status: 'skip', message: 'static mode: nothing is built' });
    expect(byId(report, 'HARD-USER-004')).toMatchObject({
      status: 'fail',
      location: { file: 'examples/legacy/Dockerfile', line: 4 },
    });
    expect(report.target!.imageId).toBeNull();
    expect(await images()).toEqual(before);
  });

  it('works without any engine', async () => {
    const run = await exec(
      process.execPath,
      [`${REPO}/dist/cli.js`, 'check', '--context', 'examples/hardened', '--static-only'],
      { env: { ...process.env, DOCKER_HOST: 'unix:///tmp/cs-hardening-none.sock' } },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PASSED/);
  });
});
