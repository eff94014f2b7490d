import { join } from 'node:path';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { byId, checkRun, exec, leftovers, REPO } from '../helpers/run.js';
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
    expect(report.schemaVersion).toBe(2);
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
