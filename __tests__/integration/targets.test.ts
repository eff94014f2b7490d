import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { connectEngine } from '../../src/docker/engine.js';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { obtainServiceImage } from '../../src/run/service-images.js';
import { byId, checkRun, exec, fixture, leftovers, REPO } from '../helpers/run.js';
import { scratchTree } from '../helpers/scratch.js';

// Many images in one run: a monorepo of four Dockerfiles given as targets, found by `discover`,
// or configured per target; proven side by side (`parallel`) with names that never collide, and
// one verdict over all of them.

const MONOREPO = '__tests__/fixtures/monorepo';
const quick: RawInputs = {
  'idle-seconds': '1',
  'max-stop-seconds': '1',
  'cache-probe': 'false',
  'hardened-run': 'false',
};
const SERVICES = ['services/api', 'services/web', 'services/worker', 'tools/scheduler'];

describe('a monorepo of four images, in one run', () => {
  it('proves every target given, two at a time, each with its own measurements', async () => {
    const report = await checkRun({
      ...quick,
      targets: SERVICES.map((path) => `${path.split('/')[1]}=${MONOREPO}/${path}`).join('\n'),
      parallel: '2',
    });
    expect(report.targets.map((target) => target.name)).toEqual(['api', 'web', 'worker', 'scheduler']);
    expect(report.schemaVersion).toBe(3);
    for (const target of report.targets) {
      expect(target.kind).toBe('build');
      expect(byId(target, 'HARD-USER-001').status).toBe('pass');
      expect(byId(target, 'HARD-HEALTH-004')).toMatchObject({ status: 'pass' }); // real: fails with the service down
      expect(target.metrics.startupSeconds).toBeGreaterThan(0);
      expect(target.metrics.stopExitCode).not.toBe(137);
    }
    expect(report.targets.map((target) => target.metrics.runUid)).toEqual([18080, 18081, 20001, 20002]);
    expect(report.passed).toBe(true);
    // The version 1 view of several targets: every check, named by its target.
    expect(report.target).toBeNull();
    expect(new Set(report.checks.map((check) => check.targetName))).toEqual(
      new Set(['api', 'web', 'worker', 'scheduler']),
    );
    expect(await leftovers()).toEqual([]);
  });

  it('discovers every Dockerfile, skipping what .dockerignore and .gitignore exclude', async () => {
    const report = await checkRun({ ...quick, context: MONOREPO, discover: 'true', mode: 'static' });
    expect(report.targets.map((target) => target.name)).toEqual(SERVICES);
    // A repository of its own: what git ignores is not an image of it.
    const repo = scratchTree('discover', {
      'app/Dockerfile': 'FROM cs-hardening/busybox-tini:local\nUSER 10001\n',
      'build/out/Dockerfile': 'FROM scratch\n',
      'vendor/lib/Dockerfile.dev': 'FROM scratch\n',
      '.gitignore': 'build/\n',
      '.dockerignore': 'vendor/\n',
      'ops/api.Dockerfile': 'FROM cs-hardening/busybox-tini:local\nUSER 10001\n',
    });
    expect((await exec('git', ['init', '-q', repo])).code).toBe(0);
    const found = await checkRun({ context: repo, discover: 'true', mode: 'static' });
    expect(found.targets.map((target) => target.name)).toEqual(['app', 'ops/api.Dockerfile']);
    // `**/Dockerfile` in the root's .dockerignore keeps Dockerfiles out of a context built from
    // the root (`-f backend/docker/Dockerfile .`): they are still the repository's images.
    const rootBuilt = scratchTree('discover-root-context', {
      'backend/docker/Dockerfile': 'FROM cs-hardening/busybox-tini:local\nUSER 10001\n',
      'frontend/docker/Dockerfile': 'FROM cs-hardening/busybox-tini:local\nUSER 10001\n',
      'test/fixture/Dockerfile': 'FROM scratch\n',
      '.dockerignore': '**/Dockerfile\n.dockerignore\ntest/\n',
    });
    const both = await checkRun({ context: rootBuilt, discover: 'true', mode: 'static' });
    expect(both.targets.map((target) => target.name)).toEqual(['backend/docker', 'frontend/docker']);
  });

  it('takes per-target thresholds and build args from the configuration file', async () => {
    const dir = scratchTree('config-targets', {
      '.container-hardening.yml': [
        'targets:',
        '  - name: api',
        `    context: ${join(REPO, MONOREPO, 'services/api')}`,
        '    max-image-size-mb: 1',
        '  - name: worker',
        `    context: ${join(REPO, MONOREPO, 'services/worker')}`,
        '    expected-uid: 20001',
        '    build-args: { BASE_IMAGE: cs-hardening/busybox-tini:local }',
        '',
      ].join('\n'),
    });
    const report = await checkRun({ ...quick, context: dir });
    const [api, worker] = report.targets;
    expect(byId(api, 'HARD-SIZE-001')).toMatchObject({ status: 'fail', target: 1e6 });
    expect(byId(worker, 'HARD-SIZE-001').status).toBe('pass');
    expect(byId(worker, 'HARD-USER-002')).toMatchObject({ status: 'pass' });
    expect(byId(api, 'HARD-USER-002').status).toBe('skip'); // only the worker expects a UID
    expect(report.passed).toBe(false);
  });

  it('proves the rest when one target does not build, and fails the run', async () => {
    const broken = scratchTree('broken', { Dockerfile: 'FROM cs-hardening/busybox-tini:local\nRUN exit 3\n' });
    const report = await checkRun({
      ...quick,
      targets: `broken=${broken}\napi=${MONOREPO}/services/api`,
      parallel: '2',
    });
    expect(byId(report.targets[0], 'HARD-BUILD-001').status).toBe('fail');
    expect(byId(report.targets[1], 'HARD-HEALTH-003').status).toBe('pass');
    expect(report.passed).toBe(false);
    expect(await leftovers()).toEqual([]);
  });

  it('builds a target once however often it is reached', async () => {
    const report = await checkRun({
      ...quick,
      mode: 'static',
      targets: `${MONOREPO}/services/api\n${MONOREPO}/services/api/Dockerfile`,
    });
    expect(report.targets).toHaveLength(1);
  });
});

describe('compose services that only name an image (check-service-images)', () => {
  const REGISTRY = '127.0.0.1:5000';
  const docker = async (args: string[]): Promise<void> => {
    const result = await exec('docker', args);
    if (result.code !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr}`);
  };

  it('proves one its registry serves (pulled first), and says why one whose registry does not answer is not proven', async () => {
    // An image of this test's own, only in the registry: not on the engine when the run starts.
    const unique = randomBytes(4).toString('hex');
    const served = `${REGISTRY}/cs-hardening-test/service-${unique}:1`;
    await docker(['build', '-q', '--label', `org.test.unique=${unique}`, '-t', served, fixture('service-good')]);
    await docker(['push', '-q', served]);
    await docker(['image', 'rm', served]);
    const unreachable = '127.0.0.1:5999/cs-hardening-test/proxy:1';
    const stack = scratchTree('service-images', {
      'compose.yaml': [
        'services:',
        '  cache:',
        `    image: ${served}`,
        '  proxy:',
        `    image: ${unreachable}`,
        '    volumes: [/var/run/docker.sock:/var/run/docker.sock:ro]',
        '',
      ].join('\n'),
    });
    try {
      const report = await checkRun({ ...quick, context: stack, 'check-service-images': 'true' });
      expect(report.targets.map((target) => [target.name, target.kind])).toEqual([
        [`${stack}/compose.yaml`, 'stack'],
        ['cache', 'image'],
      ]);
      // Proven like any target: its user, health and size measured.
      const cache = report.targets[1];
      expect(cache.target.image).toBe(served);
      expect(cache.metrics.runUid).toBe(10001);
      expect(cache.metrics.imageSizeBytes).toBeGreaterThan(0);
      expect(byId(cache, 'HARD-HEALTH-004').status).toBe('pass');
      // Said once, with where, why (the daemon's own words) and how to prove it.
      expect(report.notes).toHaveLength(1);
      const [note] = report.notes;
      expect(note.startsWith(`proxy (${stack}/compose.yaml:4): image ${unreachable} not proven`)).toBe(true);
      expect(note).toMatch(/it is not on the engine and the pull failed \(.*connection refused\)/);
      expect(note.endsWith(`pull it before the run (docker pull ${unreachable}) or log in to its registry`)).toBe(true);
      expect(await leftovers()).toEqual([]);
    } finally {
      await exec('docker', ['image', 'rm', served]);
    }
  });

  it('goes on without an image whose registry accepts the connection but never answers', async () => {
    // A registry that hangs: it takes the connection and says nothing.
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const started = performance.now();
      const availability = await obtainServiceImage(
        await connectEngine(),
        `127.0.0.1:${port}/cs-hardening-test/hangs:1`,
        undefined,
        3,
      );
      expect(availability).toEqual({ ok: false, reason: 'its pull did not finish within 3 s' });
      expect(performance.now() - started).toBeLessThan(15_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});
