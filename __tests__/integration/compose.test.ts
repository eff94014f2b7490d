import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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
      'smoke-test': 'wget -qO- http://customer-success-mcp:8080/health',
      'helper-image': 'cs-hardening/busybox-tini:local',
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
    // What the file sets, the engine applied, on every service (CPU reservations named, not judged).
    const inForce = report.checks.filter((result) => result.id === 'HARD-COMPOSE-016');
    expect(inForce.map((result) => result.status)).toEqual(['pass', 'pass', 'pass']);
    expect(inForce.map((result) => result.message).join('\n')).toMatch(
      /customer-success-mcp: in force as written: memory 2G, memory reservation 512M, 2\.0 CPUs, read-only, cap_drop ALL, no-new-privileges, json-file max-size 10m max-file 3/,
    );
    // The app waited for both gates: it started after the later of them.
    const app = services.find((service) => service.service === 'customer-success-mcp')!;
    expect(app.startedAt).toBeGreaterThanOrEqual(
      Math.max(...services.filter((service) => service !== app).map((service) => service.healthyAt)),
    );
    // Nothing crashed while it ran, and the stack answers by name from a container on its network.
    const logs = report.checks.filter((result) => result.id === 'HARD-COMPOSE-017');
    expect(logs.map((result) => result.status)).toEqual(['pass', 'pass', 'pass']);
    const smoke = byId(report, 'HARD-COMPOSE-018');
    expect([smoke.status, smoke.message]).toEqual([
      'pass',
      expect.stringMatching(/^`wget -qO- http:\/\/customer-success-mcp:8080\/health` exited 0 in [\d.]+ s$/),
    ]);
    // Its health check (the production document's: server, PostgreSQL, Redis) notices each down, and recovers.
    const outages = report.checks.filter((result) => result.id === 'HARD-COMPOSE-020');
    expect(outages.map((result) => [result.status, result.message.replace(/[\d.]+ s/g, 'N s')])).toEqual([
      [
        'pass',
        "customer-success-mcp's health check notices postgres down in N s and recovers N s after it is back (window N s; depends_on)",
      ],
      [
        'pass',
        "customer-success-mcp's health check notices redis down in N s and recovers N s after it is back (window N s; depends_on)",
      ],
    ]);
    // Each service crashed from outside came back, and its own health check passed again.
    const recovery = report.checks.filter((result) => result.id === 'HARD-COMPOSE-019');
    expect(recovery.map((result) => result.status)).toEqual(['pass', 'pass', 'pass']);
    for (const result of recovery)
      expect(result.message).toMatch(
        /^[\w-]+: killed, restarted by the engine after [\d.]+ s \(restart unless-stopped\), its health check passes again [\d.]+ s after the kill \(limit \d+ s\)$/,
      );
    expect(report.passed).toBe(true);
  });

  it('finds a traceback a healthy stack logged, masked, and a failing smoke test, and leaves no helper behind', async () => {
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const report = await check({
      context: fixture('../compose/crash-and-smoke'),
      'compose-up': 'true',
      'compose-up-timeout-seconds': '60',
      'cache-probe': 'false',
      'hardened-run': 'false',
      'idle-seconds': '1',
      'runtime-env': `DB_PASSWORD=${password}`,
      'smoke-test': 'wget -qO- http://web:8080/\nwget -qO- http://web:8080/missing',
      // Claimed isolated, and on the project's default network: a way out.
      'isolated-services': 'web',
      'helper-image': 'cs-hardening/busybox-tini:local',
    });
    expect(byId(report, 'HARD-COMPOSE-012').status).toBe('pass');
    const logs = report.checks.filter((result) => result.id === 'HARD-COMPOSE-017');
    const byService = Object.fromEntries(logs.map((result) => [result.message.split(':')[0], result]));
    expect(byService.web.status).toBe('pass');
    expect(byService.worker.status).toBe('fail');
    expect(byService.worker.message).toMatch(
      /^worker: python traceback at line \d+ of its log: Traceback \(most recent call last\):/,
    );
    expect(byService.worker.message).toContain('ConnectionError: cannot reach postgresql://app:');
    // On the service's line, for the annotation; the password it printed is not repeated.
    expect(byService.worker.location?.line).toBe(20);
    expect(JSON.stringify(report)).not.toContain(password);
    const smoke = report.checks.filter((result) => result.id === 'HARD-COMPOSE-018');
    expect(smoke.map((result) => result.status)).toEqual(['pass', 'fail']);
    expect(smoke[1].message).toMatch(/^`wget -qO- http:\/\/web:8080\/missing` exited 1 after [\d.]+ s: .*404/);
    // Crashed from outside: web comes back healthy; the worker has no restart policy and stays
    // down; stale comes back and never serves again (the marker its first start left).
    const recovery = Object.fromEntries(
      report.checks
        .filter((result) => result.id === 'HARD-COMPOSE-019')
        .map((result) => [result.message.split(':')[0], result]),
    );
    expect(recovery.web.status).toBe('pass');
    expect(recovery.web.location?.line).toBe(13);
    expect([recovery.worker.status, recovery.worker.message]).toEqual([
      'fail',
      'worker: does not recover from a crash: still down 3 s after the kill: it has no restart policy',
    ]);
    expect(recovery.worker.location?.line).toBe(20);
    expect(recovery.stale.status).toBe('fail');
    expect(recovery.stale.message).toMatch(
      /^stale: restarted, and its health check did not pass again within 10 s of the kill \(restarted after [\d.]+ s, restart unless-stopped\)$/,
    );
    // db stopped: probe's health check notices and recovers; web's ignores db (a warning, on its
    // healthcheck line); api notices and never reconnects (an error).
    const outage = Object.fromEntries(
      report.checks
        .filter((result) => result.id === 'HARD-COMPOSE-020')
        .map((result) => [result.message.split(/[' ]/)[0], result]),
    );
    expect(Object.keys(outage).sort()).toEqual(['api', 'probe', 'web']);
    expect(outage.probe.status).toBe('pass');
    expect(outage.probe.message).toMatch(
      /^probe's health check notices db down in [\d.]+ s and recovers [\d.]+ s after it is back \(window 4 s; depends_on\)$/,
    );
    expect([outage.web.status, outage.web.severity, outage.web.location?.line]).toEqual(['fail', 'warning', 15]);
    expect(outage.web.message).toBe(
      'web stays healthy with db down for 12 s: its health check does not test db (depends_on)',
    );
    // The message first: when the verdict differs, it says what was seen.
    expect(outage.api.message).toMatch(
      /^api's health check notices db down in [\d.]+ s and still fails 4 s after db is back: it does not reconnect$/,
    );
    expect([outage.api.status, outage.api.severity]).toEqual(['fail', 'error']);
    const web = report.checks.find((result) => result.id === 'HARD-COMPOSE-021' && result.message.startsWith('web:'))!;
    expect(web.status).toBe('fail');
    expect(web.message).toMatch(
      /^web: claimed isolated \(named in isolated-services; networks cs-hardening-\S+_default\), yet its network namespace has a way out: a default route via [\d.]+ \(eth0\) on cs-hardening-\S+_default, not internal$/,
    );
    // The crashes were ours: the logs read before them count no restart.
    expect(logs.filter((result) => /restarted/.test(result.message))).toEqual([]);
    expect(report.passed).toBe(false);
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

  it('reads what each running container has in force and finds what the engine dropped (HARD-COMPOSE-016)', async () => {
    const report = await check({
      context: fixture('../compose/not-in-force'),
      'compose-up': 'true',
      'compose-up-timeout-seconds': '30',
      'cache-probe': 'false',
      'hardened-run': 'false',
      'idle-seconds': '1',
    });
    const verdicts = report.checks.filter((result) => result.id === 'HARD-COMPOSE-016');
    // Whether this kernel can weight block I/O, from the kernel itself (the file the engine looks
    // for), not from the engine: where it cannot, the engine drops the weight and the check says so.
    const weighs = [
      '/sys/fs/cgroup/blkio/blkio.weight',
      '/sys/fs/cgroup/blkio/blkio.bfq.weight',
      '/sys/fs/cgroup/io.weight',
    ].some((file) => existsSync(file));
    const failed = verdicts.filter((result) => result.status === 'fail');
    if (weighs) expect(failed).toEqual([]);
    else {
      expect(failed).toHaveLength(1);
      expect(failed[0].message).toMatch(/^web: block I\/O weight written 300, in force: none/);
      // On the line that writes it, for the annotation.
      expect(failed[0].location?.file).toMatch(/not-in-force\/compose\.yaml$/);
      expect(failed[0].location?.line).toBe(19);
    }
    // Everything else the file sets, the engine applied and the cgroups enforce.
    const passed = verdicts.find((result) => result.status === 'pass');
    const applied = weighs ? passed!.message : verdicts.map((result) => result.message).join(' ');
    if (!weighs) expect(passed).toBeUndefined();
    const settings = (weighs ? passed!.measured : (failed[0].measured as { settings: unknown }).settings) as {
      memoryBytes: number;
      cgroupMemoryBytes: number | null;
      cgroupPidsLimit: number | null;
      cpus: number;
      pidsLimit: number;
      capAdd: string[];
      user: string;
    };
    expect(settings).toMatchObject({ memoryBytes: 64 * 1024 * 1024, cpus: 0.5, pidsLimit: 64, user: '65534:65534' });
    expect(settings.cgroupMemoryBytes).toBe(64 * 1024 * 1024);
    // Engines that report the cgroup's process limit report the one written.
    expect([64, null]).toContain(settings.cgroupPidsLimit);
    expect(settings.capAdd.map((name) => name.replace(/^CAP_/, '').toUpperCase())).toEqual(['NET_BIND_SERVICE']);
    expect(applied).not.toMatch(
      /memory limit|CPU limit|PIDs limit|read-only root|cap_drop|cap_add|no-new-privileges|user written|log driver|log option/,
    );
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
