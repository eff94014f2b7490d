import { existsSync, readFileSync } from 'node:fs';
import type { Report } from '../../src/model.js';
import { NODE24, runAction } from '../helpers/runner.js';

// The committed bundle, run as the runner runs it, on Node 24 (the action's runtime).

describe('the action on the bundled examples', () => {
  it('passes examples/hardened: summary, outputs and JSON report written, exit 0', async () => {
    const run = await runAction({ context: 'examples/hardened' }, { node: NODE24 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.summary).toContain('## ✅ Container hardening: passed');
    expect(run.summary).toMatch(/\| Image size \(unpacked\) \| ≤ 500\.0 MB \| \d+\.\d MB \| ✅ pass \|/);
    expect(run.summary).toContain('| **Runs as root** | ✅ No &#40;UID 1000&#41; | CRITICAL |');
    // Failed checks of any severity are listed: here only notice-level recommendations (the
    // compose file's postgres:15-bookworm and redis:7-bookworm name a major version only).
    expect(run.outputs).toMatchObject({
      passed: 'true',
      'failed-checks': 'HARD-USER-005,HARD-DOCKERFILE-002,HARD-COMPOSE-006,HARD-COMPOSE-010,HARD-COMPOSE-011',
    });
    expect(run.outputs['image-id']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Number(run.outputs['image-size-bytes'])).toBeGreaterThan(1e6);
    const report = JSON.parse(readFileSync(run.outputs['report-file'], 'utf8')) as Report;
    expect(report).toMatchObject({
      schemaVersion: 3,
      passed: true,
      target: {
        context: 'examples/hardened',
        dockerfile: 'examples/hardened/Dockerfile',
        imageId: run.outputs['image-id'],
      },
    });
    // One log group per phase, so users see where the time goes.
    // The compose files are read while planning (they say what to build), so within `plan`.
    for (const phase of [
      'engine',
      'plan',
      'dockerfile',
      'context',
      'build',
      'inspect',
      'runtime, filesystem and rebuilds',
    ]) {
      expect(run.stdout).toContain(`::group::${phase}`);
      expect(run.stdout).toMatch(new RegExp(`^${phase}: [\\d.]+ s$`, 'm')); // closed with its time
    }
    // The parts that overlap each say their own time inside the shared group, as in the report.
    for (const part of ['filesystem', 'runtime', 'rebuild', 'cache probe'])
      expect(run.stdout).toMatch(new RegExp(`^${part}: [\\d.]+ s$`, 'm'));
    expect(Object.keys(report.timings)).toEqual(
      expect.arrayContaining(['filesystem', 'runtime', 'rebuild', 'cache probe', 'runtime, filesystem and rebuilds']),
    );
  });

  it('fails examples/legacy with the failed checks in the outputs, after writing everything', async () => {
    const run = await runAction({ context: 'examples/legacy' }, { node: NODE24 });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::container hardening failed: .*HARD-USER-001/);
    expect(run.outputs.passed).toBe('false');
    expect(run.outputs['failed-checks'].split(',')).toEqual(
      expect.arrayContaining(['HARD-USER-001', 'HARD-USER-002', 'HARD-SIZE-001']),
    );
    expect(run.summary).toContain('## ❌ Container hardening: failed');
    expect(existsSync(run.outputs['report-file'])).toBe(true);
  });

  it('writes the report where report-file says, relative to the workspace', async () => {
    const run = await runAction({
      context: 'examples/hardened',
      'report-file': '.tmp/action-report.json',
      summary: 'false',
    });
    expect(run.code).toBe(0);
    expect(run.outputs['report-file']).toMatch(/\.tmp\/action-report\.json$/);
    expect(run.summary).toBe('');
  });

  it('stops on bad input with one error naming the input, exit 2, no report', async () => {
    const run = await runAction({ context: 'examples/hardened', 'fail-on': 'sometimes' });
    expect(run.code).toBe(2);
    expect(run.stdout.trim()).toBe("::error::fail-on: 'sometimes' is not one of error, warning, never");
    expect(run.outputs).toEqual({});
  });
});
