import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/model.js';
import { byId, exec, fixture, leftovers, REPO } from '../helpers/run.js';
import { scratchDir } from '../helpers/scratch.js';

// `platforms`: a build proven once per platform, each a target of its own, on a real engine. A
// platform the builder cannot build here is said not proven in every check that needed it — never
// passed — and the run's verdict is "not judged" (exit 2), while the platform it can build is
// proven as usual. linux/sparc64 stands for a platform without an emulator: BuildKit lists none
// for it, whatever QEMU this machine has registered.

const cli = (args: string[]) => exec(process.execPath, [join(REPO, 'dist/cli.js'), ...args]);
const NATIVE = process.arch === 'arm64' ? 'linux/arm64' : 'linux/amd64';

afterEach(async () => {
  expect(await leftovers()).toEqual([]);
});

describe('platforms', () => {
  it('proves the platform this machine runs, and says one the builder cannot build is not proven, never passed', async () => {
    const dir = scratchDir('platforms');
    const json = join(dir, 'report.json');
    const run = await cli([
      'check',
      '--context',
      fixture('service-good'),
      '--platforms',
      `${NATIVE},linux/sparc64`,
      '--idle-seconds',
      '1',
      '--cache-probe',
      'false',
      '--json',
      json,
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^NOT JUDGED {2}2 targets, 0 failed, 1 not judged · /);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const [native, sparc] = report.targets;
    expect(
      report.targets.map((target) => [
        target.name.replace(/^.*service-good/, 'service-good'),
        target.platformOf?.replace(/^.*service-good/, 'service-good'),
        target.target.platform,
      ]),
    ).toEqual([
      [`service-good (${NATIVE})`, 'service-good', NATIVE],
      ['service-good (linux/sparc64)', 'service-good', 'linux/sparc64'],
    ]);
    // The platform it can build: proven as a run of that platform alone would be.
    expect(native.passed).toBe(true);
    expect(byId(native, 'HARD-STARTUP-001').status).toBe('pass');
    expect(native.metrics.emulated).toBeUndefined();
    // The one it cannot: every check that needed its image could not run, and says why.
    expect(sparc.passed).toBe(false);
    for (const id of ['HARD-BUILD-001', 'HARD-SIZE-001', 'HARD-USER-001', 'HARD-STARTUP-001', 'HARD-HEALTH-003']) {
      expect(byId(sparc, id)).toMatchObject({ status: 'error' });
      expect(byId(sparc, id).message).toMatch(/not proven: the builder cannot build for linux\/sparc64 \(it can: /);
    }
    expect(run.stdout).toContain('Differences between platforms: ');
    expect(run.stdout).toMatch(
      / {2}linux\/sparc64: not judged here — not proven: the builder cannot build for linux\/sparc64/,
    );
    // Not judged, which is neither passed nor failed: so it heads its own section.
    expect(run.stdout).toMatch(/━━━ \S*service-good \(linux\/sparc64\) ━━━ not judged/);
  });
});
