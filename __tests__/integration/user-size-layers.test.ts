import { verdict } from '../../src/report/build-report.js';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { byId, check as checkFully, fixture } from '../helpers/run.js';

// Quick runtime settings: these tests are about the user, size, layer and build checks.
const check = (inputs: RawInputs) =>
  checkFully({
    'idle-seconds': '1',
    'max-stop-seconds': '1',
    'cache-probe': 'false',
    'hardened-run': 'false',
    ...inputs,
  });

// The first checks, on images the test builds on the real engine: a fixture for every failure
// mode, and a passing one beside it.

describe('user: the final image, root in every spelling', () => {
  it('passes a non-root user with the expected name and UID', async () => {
    const report = await check({ context: fixture('user-nonroot'), 'expected-user': 'csops', 'expected-uid': '1000' });
    expect(byId(report, 'HARD-USER-001')).toMatchObject({ status: 'pass', measured: 1000 });
    expect(byId(report, 'HARD-USER-001').location).toEqual({ file: `${fixture('user-nonroot')}/Dockerfile`, line: 7 });
    expect(byId(report, 'HARD-USER-002')).toMatchObject({ status: 'pass' });
    expect(report.metrics).toMatchObject({ runUid: 1000, runGid: 1000 });
  });

  it('fails an image without USER, pointing at its FROM', async () => {
    const report = await check({ context: fixture('user-unset') });
    expect(byId(report, 'HARD-USER-001')).toMatchObject({
      status: 'fail',
      measured: 0,
      message: 'runs as root: USER is not set, so the container runs as UID 0',
    });
    expect(byId(report, 'HARD-USER-001').location).toEqual({ file: `${fixture('user-unset')}/Dockerfile`, line: 3 });
    expect(verdict([byId(report, 'HARD-USER-001')], 'error')).toBe('failed');
  });

  it.each(['0', '0:0', 'root', 'root:root', '0:65534'])('fails USER %s', async (spelling) => {
    const report = await check({ context: fixture('user-spelled'), 'build-args': `RUN_AS=${spelling}` });
    expect(byId(report, 'HARD-USER-001')).toMatchObject({ status: 'fail', measured: 0 });
    expect(byId(report, 'HARD-USER-001').message).toContain(`USER '${spelling}'`);
  });

  it('fails a harmless-looking name with UID 0', async () => {
    const report = await check({ context: fixture('user-uid0-alias') });
    expect(byId(report, 'HARD-USER-001').message).toBe(
      "runs as root: USER 'admin' (UID 0 in the image's /etc/passwd), so the container runs as UID 0",
    );
  });

  it('judges the shipped stage, not any stage', async () => {
    const builderOnly = await check({ context: fixture('user-root-in-builder-only') });
    expect(byId(builderOnly, 'HARD-USER-001')).toMatchObject({ status: 'pass', measured: 1000 });
    const reset = await check({ context: fixture('user-reset-to-root') });
    expect(byId(reset, 'HARD-USER-001')).toMatchObject({ status: 'fail', measured: 0 });
    expect(byId(reset, 'HARD-USER-001').location?.line).toBe(7);
  });

  it('fails an expected user that differs', async () => {
    const report = await check({ context: fixture('user-nonroot'), 'expected-uid': '1001' });
    expect(byId(report, 'HARD-USER-002')).toMatchObject({
      status: 'fail',
      message: 'runs as csops (UID 1000, GID 1000); expected UID 1001',
    });
  });
});

describe('size and layers', () => {
  it('fails an image over max-image-size-mb, on the line of the layer that added the bytes', async () => {
    const report = await check({ context: fixture('big-layer'), 'max-image-size-mb': '20' });
    const size = byId(report, 'HARD-SIZE-001');
    expect(size.status).toBe('fail');
    expect(size.measured as number).toBeGreaterThan(30e6);
    expect(size.message).toMatch(/the largest own layer adds 30\.0 MB/);
    expect(size.location).toEqual({ file: `${fixture('big-layer')}/Dockerfile`, line: 5 });
    expect(
      byId(await check({ context: fixture('big-layer'), 'max-image-size-mb': '50' }), 'HARD-SIZE-001').status,
    ).toBe('pass');
  });

  it('counts layers against max-layers', async () => {
    const report = await check({ context: fixture('many-layers') });
    expect(byId(report, 'HARD-LAYERS-001')).toMatchObject({
      status: 'fail',
      measured: 24,
      target: 20,
      severity: 'warning',
    });
    // A warning does not fail the default gate (fail-on: error), and does under fail-on: warning.
    expect(verdict([byId(report, 'HARD-LAYERS-001')], 'error')).toBe('passed');
    expect(verdict([byId(report, 'HARD-LAYERS-001')], 'warning')).toBe('failed');
    expect(byId(await check({ context: fixture('user-nonroot') }), 'HARD-LAYERS-001')).toMatchObject({
      status: 'pass',
      measured: 2,
    });
  });
});

describe('build', () => {
  it('reports a failed build as a failed check with the log tail, not as a crash', async () => {
    const report = await check({ context: fixture('build-fails') });
    const build = byId(report, 'HARD-BUILD-001');
    expect(build.status).toBe('fail');
    expect(build.message).toContain('error: missing header libpq-fe.h');
    expect(build.message).toMatch(/exit code: 3/);
    expect(byId(report, 'HARD-USER-001')).toMatchObject({
      status: 'skip',
      message: 'the build failed, so there is no image',
    });
    expect(report.passed).toBe(false);
    expect(report.target.imageId).toBeNull();
  });

  it('measures a clean build when asked, and does not call a cached one clean', async () => {
    const clean = await check({ context: fixture('user-nonroot'), 'no-cache': 'true' });
    expect(byId(clean, 'HARD-BUILD-002')).toMatchObject({ status: 'pass' });
    expect(clean.metrics.buildCachedSteps).toBe(0);
    expect(clean.metrics.buildSeconds).toBeGreaterThan(0);
    const cached = await check({ context: fixture('user-nonroot') });
    expect(byId(cached, 'HARD-BUILD-002').status).toBe('skip');
    expect(cached.metrics.buildCachedSteps).toBe(cached.metrics.buildSteps);
  });

  it('checks a given image without building', async () => {
    const built = await check({ context: fixture('user-unset') });
    const report = await check({ context: fixture('user-unset'), image: built.target.imageId! });
    expect(byId(report, 'HARD-BUILD-001')).toMatchObject({ status: 'skip' });
    expect(byId(report, 'HARD-USER-001')).toMatchObject({ status: 'fail' });
    // An image id cannot be pulled: it is on this engine or nowhere.
    const absent = `sha256:${'0'.repeat(64)}`;
    await expect(check({ context: fixture('user-unset'), image: absent })).rejects.toThrow(
      `image: '${absent}' does not exist on this engine`,
    );
  });
});
