import { randomUUID } from 'node:crypto';
import type { Report, TargetReport } from '../../src/model.js';
import { platformDifferences } from '../../src/report/platform-differences.js';
import { byId, checkRun, exec, fixture, leftovers } from '../helpers/run.js';
import { scratchTree } from '../helpers/scratch.js';

// `platforms: linux/amd64,linux/arm64` on an amd64 machine: arm64 built and run under QEMU, from
// the arm64 variants of the local base images (CS_PLATFORMS=linux/arm64 scripts/setup-engine.sh).
// The variant that breaks differently is caught on its own platform, and only there.

const BOTH = { platforms: 'linux/amd64,linux/arm64', 'cache-probe': 'false', 'idle-seconds': '1' };

// They need emulators registered and arm64 base images in the local registry: without them they
// fail, saying how to prepare the machine; they never skip.
beforeAll(async () => {
  const builder = await exec('docker', ['buildx', 'inspect']);
  const platforms = /^Platforms:\s*(.*)$/m.exec(builder.stdout)?.[1] ?? '';
  if (!/\blinux\/arm64\b/.test(platforms))
    throw new Error(
      `The builder cannot build linux/arm64 (it lists: ${platforms || 'nothing'}). Prepare this machine with ` +
        'CS_PLATFORMS=linux/arm64 scripts/setup-engine.sh (QEMU emulators, arm64 base images in the local registry).',
    );
});

afterEach(async () => {
  expect(await leftovers()).toEqual([]);
});

function platforms(report: Report): { amd64: TargetReport; arm64: TargetReport } {
  expect(report.targets.map((target) => target.target.platform)).toEqual(['linux/amd64', 'linux/arm64']);
  return { amd64: report.targets[0], arm64: report.targets[1] };
}

describe('platforms under emulation', () => {
  it('proves the hardened example for both platforms: every check judged on both, the same verdicts, sizes of each', async () => {
    const report = await checkRun({
      context: 'examples/hardened',
      platforms: 'linux/amd64,linux/arm64',
      'runtime-in-stack': 'false',
    });
    const { amd64, arm64 } = platforms(report);
    expect(report.passed).toBe(true);
    // The same verdict for every check both judged; the cache probe (the Dockerfile's) and the
    // compose files' checks on the first platform only.
    // A figure emulation pushes over its limit is not judged (a skip, never a failure).
    const differ = amd64.checks
      .filter((check) => !check.id.startsWith('HARD-COMPOSE-'))
      .filter((check) => byId(arm64, check.id).status !== check.status)
      .filter((check) => !/not judged \(prove it on linux\/arm64 hardware\)$/.test(byId(arm64, check.id).message))
      .map((check) => `${check.id} ${check.status}/${byId(arm64, check.id).status}`);
    // The cache probe ran on amd64 (and so the static cache check stood aside there, not on arm64).
    expect(differ).toEqual(['HARD-CACHE-002 pass/skip', 'HARD-CACHE-003 skip/pass']);
    // The compose files' checks, once, with amd64 (compose-up was not asked for either).
    const compose = arm64.checks.filter((result) => result.id.startsWith('HARD-COMPOSE-'));
    expect(compose.filter((check) => check.status !== 'skip')).toEqual([]);
    expect(byId(arm64, 'HARD-COMPOSE-001').message).toBe(
      'judged once, with linux/amd64: the compose files are the same for every platform',
    );
    expect(byId(arm64, 'HARD-CACHE-002').message).toBe(
      "probed once, on linux/amd64: which steps a change re-runs is the Dockerfile's, the same on every platform",
    );
    // Each platform's own sizes; arm64's figures measured under QEMU, and said to be.
    expect(arm64.metrics.imageSizeBytes).not.toBe(amd64.metrics.imageSizeBytes);
    expect(amd64.metrics.emulated).toBeUndefined();
    expect(arm64.metrics.emulated?.runtime).toBe('linux/arm64 on this amd64 host, by QEMU');
    expect(byId(arm64, 'HARD-STARTUP-002').message).toMatch(
      /measured under emulation \(linux\/arm64 on this amd64 host, by QEMU\)/,
    );
  });

  it("fails the arm64 variant of a build that copies the build machine's binary into every platform, with the file, its architecture and the instruction", async () => {
    const { amd64, arm64 } = platforms(await checkRun({ context: fixture('platform-build-binary'), ...BOTH }));
    expect(byId(amd64, 'HARD-FILESYSTEM-005').status).toBe('pass');
    expect(byId(arm64, 'HARD-FILESYSTEM-005')).toMatchObject({
      status: 'fail',
      measured: [{ path: '/usr/local/bin/fetch-tool', arch: 'amd64' }],
      location: { line: 12 },
    });
    expect(byId(arm64, 'HARD-FILESYSTEM-005').message).toMatch(
      /^1 binary of another architecture on the paths this linux\/arm64 image runs and loads from, from COPY /,
    );
    // Under QEMU the x86-64 program would even run: only its header tells.
  });

  it('fails the health probe on the platform its program is missing from, and says so among the differences', async () => {
    const report = await checkRun({ context: fixture('health-one-platform'), ...BOTH });
    const { amd64, arm64 } = platforms(report);
    expect(byId(amd64, 'HARD-HEALTH-003').status).toBe('pass');
    expect(byId(arm64, 'HARD-HEALTH-003').status).toBe('fail');
    const [differences] = platformDifferences(report);
    expect(differences.lines).toContainEqual(
      expect.stringMatching(/^HARD-HEALTH-003 fails on linux\/arm64 only \(passes on linux\/amd64\): /),
    );
  });

  it("fails the arm64 variant of a build on a base without an arm64 variant, with the base's binaries, and proves the other", async () => {
    // An amd64-only base, in the local registry only (as a vendor's single-platform image is).
    const base = `127.0.0.1:5000/cs-hardening-test/amd64-only-${randomUUID().slice(0, 8)}:1`;
    expect((await exec('docker', ['tag', 'cs-hardening/busybox-tini:local', base])).code).toBe(0);
    try {
      expect((await exec('docker', ['push', '--platform', 'linux/amd64', base])).code).toBe(0);
    } finally {
      await exec('docker', ['rmi', base]);
    }
    const context = scratchTree('amd64-only-base', {
      Dockerfile: `FROM ${base}\nUSER 65534\nENTRYPOINT ["/sbin/tini", "--"]\nCMD ["sleep", "3600"]\n`,
    });
    const { amd64, arm64 } = platforms(await checkRun({ context, ...BOTH }));
    expect(byId(amd64, 'HARD-FILESYSTEM-005').status).toBe('pass');
    expect(byId(amd64, 'HARD-INIT-001').status).toBe('pass');
    // BuildKit builds "arm64" on the amd64 base with a warning only: every binary of it is x86-64,
    // run natively here (no emulator in front: nothing is marked emulated), refused by an arm64 host.
    expect(byId(arm64, 'HARD-BUILD-001').status).toBe('pass');
    expect(byId(arm64, 'HARD-FILESYSTEM-005')).toMatchObject({ status: 'fail', location: { line: 1 } });
    expect(byId(arm64, 'HARD-FILESYSTEM-005').message).toMatch(
      /^2 binaries of another architecture on the paths this linux\/arm64 image runs and loads from, from the base image: .*\(amd64\).*— a real arm64 machine cannot run them \(exec format error\)/,
    );
    expect(arm64.metrics.emulated?.runtime ?? null).toBeNull();
  });
});
