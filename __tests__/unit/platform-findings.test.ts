import { ALL_CHECKS } from '../../src/checks/index.js';
import type { Report, TargetReport } from '../../src/model.js';
import { renderJobSummary } from '../../src/report/job-summary.js';
import { sharedFindings } from '../../src/report/platform-findings.js';
import { renderSarif } from '../../src/report/sarif.js';
import { countFailures, renderTerminal } from '../../src/report/terminal.js';
import { recorded, runOf, targetOf } from '../helpers/evidence.js';

// A finding every platform of a build has is the build's: the terminal and the job summary say it
// once, for `<target> (all platforms)`, and each platform's section only what is its own. The
// legacy example recorded on Docker 28.5, made into a second platform the way variants differ:
// larger (the size finding's message names other sizes) and its health probe missing.

const legacy = recorded('legacy');

function platform(name: string, change: (target: TargetReport) => void = () => undefined): TargetReport {
  const target = targetOf(legacy);
  target.name = `examples/legacy (${name})`;
  target.platformOf = 'examples/legacy';
  target.target = { ...target.target, platform: name };
  change(target);
  return target;
}

function twoPlatforms(): { report: Report; amd64: TargetReport; arm64: TargetReport } {
  const amd64 = platform('linux/amd64');
  const arm64 = platform('linux/arm64', (target) => {
    target.metrics.imageSizeBytes = amd64.metrics.imageSizeBytes! + 45e6;
    const size = target.checks.find((check) => check.id === 'HARD-SIZE-001')!;
    Object.assign(size, { message: size.message.replace('567.2 MB', '612.2 MB') });
    const probe = target.checks.find((check) => check.id === 'HARD-HEALTH-003')!;
    Object.assign(probe, { status: 'fail', message: 'the probe cannot run: curl: not found (exit 127)' });
  });
  return { report: runOf([amd64, arm64]), amd64, arm64 };
}

const count = (text: string, part: string): number => text.split(part).length - 1;

describe('sharedFindings', () => {
  it('holds the findings with the same check, status and message on every platform, each once', () => {
    const { report, amd64 } = twoPlatforms();
    const [group] = sharedFindings(report);
    expect(group).toMatchObject({
      target: 'examples/legacy',
      label: 'examples/legacy (all platforms)',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    const ids = group.findings.map((check) => check.id);
    expect(ids).toContain('HARD-USER-001');
    expect(ids).toContain('HARD-DOCKERFILE-001');
    // A message with a figure that differs is the platform's own; so is a failure on one platform only.
    expect(ids).not.toContain('HARD-SIZE-001');
    expect(ids).not.toContain('HARD-HEALTH-003');
    // Findings only: no pass nor skip.
    expect(group.findings.every((check) => check.status === 'fail' || check.status === 'error')).toBe(true);
    const own = amd64.checks.filter(
      (check) => (check.status === 'fail' || check.status === 'error') && !ids.includes(check.id),
    );
    // HARD-HEALTH-004's message has the probe's seconds, the same here on both platforms.
    expect(own.map((check) => check.id)).toEqual(['HARD-SIZE-001']);
  });

  it('shares nothing for a run of one platform, nor with a platform that has none of them', () => {
    expect(sharedFindings(runOf([targetOf(legacy)]))).toEqual([]);
    expect(sharedFindings(runOf([platform('linux/amd64')]))).toEqual([]);
    const unbuilt = platform('linux/sparc64', (target) => {
      target.checks = target.checks.map((check) =>
        check.id === 'HARD-BUILD-001'
          ? { ...check, status: 'error' as const, message: 'not proven: the builder cannot build for linux/sparc64' }
          : { ...check, status: 'skip' as const, message: 'no image' },
      );
    });
    expect(sharedFindings(runOf([platform('linux/amd64'), unbuilt]))).toEqual([]);
  });
});

describe('terminal report of two platforms', () => {
  it('says a shared finding once under "all platforms", and each platform its own findings and metrics', () => {
    const { report, amd64, arm64 } = twoPlatforms();
    const [group] = sharedFindings(report);
    const text = renderTerminal(report);
    const allPlatforms = `━━━ examples/legacy (all platforms) ━━━ ${group.findings.length} findings on linux/amd64, linux/arm64`;
    expect(count(text, allPlatforms)).toBe(1);
    // Before the first platform's section.
    expect(text.indexOf(allPlatforms)).toBeLessThan(text.indexOf('━━━ examples/legacy (linux/amd64) ━━━'));
    expect(text.indexOf('━━━ examples/legacy (linux/amd64) ━━━')).toBeLessThan(
      text.indexOf('━━━ examples/legacy (linux/arm64) ━━━'),
    );
    // Once, not once per platform.
    expect(count(text, 'runs as root: USER is not set, so the container runs as UID 0')).toBe(1);
    // The size finding differs: each platform says its own.
    expect(text).toContain('the image unpacks to 567.2 MB');
    expect(text).toContain('the image unpacks to 612.2 MB');
    expect(count(text, '✖ fail  HARD-SIZE-001')).toBe(2);
    // A failure of one platform only: in its section (and in the differences).
    const arm64Section = text.slice(text.indexOf('━━━ examples/legacy (linux/arm64) ━━━'));
    expect(arm64Section).toContain('the probe cannot run: curl: not found (exit 127)');
    expect(
      count(
        text,
        `${group.findings.length} findings on every platform: listed once, under examples/legacy (all platforms)`,
      ),
    ).toBe(2);
    // Passes and the metrics stay per platform.
    expect(count(text, '✔ pass  HARD-BUILD-001')).toBe(2);
    expect(count(text, 'Image size (compressed, pulled)')).toBe(2);
    // The headline counts every platform's checks, as before.
    expect(text).toContain(countFailures(report.checks));
    expect(text).toContain(`━━━ examples/legacy (linux/amd64) ━━━ failed`);
    expect(report.targets).toEqual([amd64, arm64]);
  });

  it('renders a run without platforms as before: no "all platforms"', () => {
    const text = renderTerminal(
      runOf([
        { ...targetOf(legacy), name: 'a' },
        { ...targetOf(legacy), name: 'b' },
      ]),
    );
    expect(text).not.toContain('all platforms');
    expect(text).not.toContain('every platform');
    expect(count(text, 'runs as root: USER is not set, so the container runs as UID 0')).toBe(2);
  });
});

describe('a finding whose message names a size that differs between the platforms', () => {
  it('stays with each platform, in the terminal and the summary', () => {
    const amd64 = platform('linux/amd64');
    const arm64 = platform('linux/arm64', (target) => {
      const size = target.checks.find((check) => check.id === 'HARD-SIZE-001')!;
      Object.assign(size, { message: size.message.replace('567.2 MB', '567.9 MB') });
    });
    const report = runOf([amd64, arm64]);
    const [group] = sharedFindings(report);
    expect(group.findings.map((check) => check.id)).not.toContain('HARD-SIZE-001');
    const text = renderTerminal(report);
    const allPlatforms = text.slice(
      text.indexOf('(all platforms) ━━━'),
      text.indexOf('━━━ examples/legacy (linux/amd64)'),
    );
    expect(allPlatforms).not.toContain('HARD-SIZE-001');
    expect(allPlatforms).toContain('HARD-USER-001');
    expect(text.slice(text.indexOf('━━━ examples/legacy (linux/amd64)'))).toContain('unpacks to 567.2 MB');
    expect(text.slice(text.indexOf('━━━ examples/legacy (linux/arm64)'))).toContain('unpacks to 567.9 MB');
    const summary = renderJobSummary(report);
    expect(count(summary, '<code>HARD-SIZE-001</code> error')).toBe(2);
    expect(count(summary, '<code>HARD-USER-001</code> error')).toBe(1);
    expect(count(summary, '<b>size</b>: 1 of 2 without findings</summary>')).toBe(2);
  });
});

describe('job summary of two platforms', () => {
  it('lists a shared finding once, open, before the platforms; each platform lists its own', () => {
    const { report } = twoPlatforms();
    const [group] = sharedFindings(report);
    const summary = renderJobSummary(report);
    const head = `<details open><summary>❌ <b>examples/legacy &#40;all platforms&#41;</b> · ${group.findings.length} findings on every platform: linux/amd64, linux/arm64</summary>`;
    expect(count(summary, head)).toBe(1);
    expect(summary.indexOf(head)).toBeLessThan(summary.indexOf('<b>examples/legacy &#40;linux/amd64&#41;</b>'));
    expect(summary).toContain('### Findings on every platform');
    expect(count(summary, '<code>HARD-USER-001</code> error')).toBe(1);
    expect(count(summary, '<code>HARD-SIZE-001</code> error')).toBe(2);
    expect(summary).toContain('567.2 MB &#40;limit 500 MB&#41;');
    expect(summary).toContain('612.2 MB &#40;limit 500 MB&#41;');
    expect(count(summary, '<code>HARD-HEALTH-003</code> error')).toBe(2); // a pass on amd64, a failure on arm64
    // Each platform's category still counts the shared findings, and says where they are.
    const user =
      /<b>user<\/b>: (\d+) of (\d+) without findings \((\d+) on every platform, listed once under examples\/legacy &#40;all platforms&#41;\)/g;
    expect([...summary.matchAll(user)]).toHaveLength(2);
    // A category whose findings are all shared and that has nothing else: its line alone, no empty table.
    expect(summary).toMatch(
      /\n<b>shutdown<\/b>: 0 of 1 without findings \(1 on every platform, listed once under examples\/legacy &#40;all platforms&#41;\)\n/,
    );
    // Per platform: its verdict, counts and metrics as before.
    for (const target of report.targets) expect(summary).toContain(countFailures(target.checks));
    expect(count(summary, '### Size breakdown')).toBe(2);
  });

  it('keeps SARIF per platform: one run each, every finding in each', () => {
    const { report } = twoPlatforms();
    const sarif = renderSarif(report, ALL_CHECKS) as { runs: { results: { ruleId: string }[] }[] };
    expect(sarif.runs).toHaveLength(2);
    for (const run of sarif.runs) expect(run.results.map((result) => result.ruleId)).toContain('HARD-USER-001');
  });
});
