import { verdictWord } from '../../src/report/build-report.js';
import { platformDifferences } from '../../src/report/platform-differences.js';
import type { TargetReport } from '../../src/model.js';
import { copy, recorded, targetOf } from '../helpers/evidence.js';

// What differs between the platforms of one build, from the hardened example recorded on Docker
// 28.5, made into a second platform the way such variants differ: larger, and its health probe
// missing on one platform only.

const hardened = recorded('hardened', '28.5-containerd');

function platform(name: string, change: (target: TargetReport) => void = () => undefined): TargetReport {
  const target = targetOf(hardened);
  target.name = `examples/hardened (${name})`;
  target.platformOf = 'examples/hardened';
  target.target = { ...target.target, platform: name };
  change(target);
  return target;
}

describe('platformDifferences', () => {
  it('says nothing where the platforms agree, and nothing for a run of one platform', () => {
    expect(platformDifferences({ targets: [platform('linux/amd64'), platform('linux/arm64')] })).toEqual([]);
    const single = targetOf(hardened);
    expect(platformDifferences({ targets: [single] })).toEqual([]);
  });

  it('names a size that differs by more than 1 %, and a check that fails on one platform only', () => {
    const amd64 = platform('linux/amd64');
    const arm64 = platform('linux/arm64', (target) => {
      target.metrics.imageSizeBytes = amd64.metrics.imageSizeBytes! + 212e6;
      // Within 1 %: compression and timestamps, not a difference.
      target.metrics.compressedSizeBytes = Math.round(amd64.metrics.compressedSizeBytes! * 1.005);
      const probe = target.checks.find((check) => check.id === 'HARD-HEALTH-003')!;
      Object.assign(probe, { status: 'fail', message: 'the probe cannot run: curl: not found (exit 127)' });
    });
    const [found] = platformDifferences({ targets: [amd64, arm64] });
    expect(found.target).toBe('examples/hardened');
    expect(found.lines).toEqual([
      expect.stringMatching(
        /^linux\/arm64 is 212\.0 MB larger unpacked: [\d.]+ MB against [\d.]+ MB on linux\/amd64 \(\+\d+ %\)$/,
      ),
      'HARD-HEALTH-003 fails on linux/arm64 only (passes on linux/amd64): the probe cannot run: curl: not found (exit 127)',
    ]);
  });

  it('says a platform that could not be judged here once, and compares no checks with it', () => {
    const amd64 = platform('linux/amd64');
    const sparc = platform('linux/sparc64', (target) => {
      target.metrics.imageSizeBytes = null;
      target.checks = copy(target.checks).map((check) =>
        check.id === 'HARD-BUILD-001' || check.id === 'HARD-STARTUP-001'
          ? {
              ...check,
              status: 'error' as const,
              message: 'could not collect build evidence: not proven: the builder cannot build for linux/sparc64',
            }
          : check,
      );
    });
    expect(platformDifferences({ targets: [amd64, sparc] })).toEqual([
      {
        target: 'examples/hardened',
        lines: ['linux/sparc64: not judged here — not proven: the builder cannot build for linux/sparc64'],
      },
    ]);
  });

  it('ignores a skip: the cache probe runs on the first platform only, and emulation leaves some figures unjudged', () => {
    const amd64 = platform('linux/amd64');
    const arm64 = platform('linux/arm64', (target) => {
      for (const check of target.checks)
        if (check.id === 'HARD-CACHE-002' || check.id === 'HARD-STARTUP-002') Object.assign(check, { status: 'skip' });
    });
    expect(platformDifferences({ targets: [amd64, arm64] })).toEqual([]);
  });
});

describe('verdictWord', () => {
  it('says "not judged" of a platform nothing was built for, whatever fail-on gates', () => {
    const sparc = platform('linux/sparc64', (target) => {
      target.checks = target.checks.map((check) =>
        check.id === 'HARD-BUILD-001' ? { ...check, status: 'error' as const, message: 'not proven: …' } : check,
      );
    });
    for (const failOn of ['error', 'warning', 'never'] as const)
      expect(verdictWord(sparc.checks, failOn)).toBe('not judged');
    expect(verdictWord(platform('linux/amd64').checks, 'never')).toBe('passed');
    // A failure counted by fail-on is said first: the run failed, whatever else could not be judged.
    const failing = [
      ...sparc.checks,
      { ...sparc.checks[0], id: 'HARD-USER-001', severity: 'error' as const, status: 'fail' as const },
    ];
    expect(verdictWord(failing, 'error')).toBe('failed');
  });
});
