import { renderCodeQuality } from '../../src/report/codequality.js';
import { exitCodeOf } from '../../src/report/build-report.js';
import { renderJunit } from '../../src/report/junit.js';
import { copy, recorded, reportOf, runOf, targetOf } from '../helpers/evidence.js';

// The reports other CI systems read (JUnit for GitLab and Jenkins, GitLab Code Quality), from
// recorded evidence. That real consumers read them is proven in __tests__/integration/ci-reports.

const count = (xml: string, pattern: RegExp): number => xml.match(pattern)?.length ?? 0;

describe('JUnit XML', () => {
  it('a suite per target, a case per check; failures exactly where the verdict counts them', () => {
    const report = runOf([
      { ...targetOf(recorded('hardened')), name: 'api' },
      { ...targetOf(recorded('legacy')), name: 'legacy' },
    ]);
    const xml = renderJunit(report);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="cs-docker-hardening"')).toBe(true);
    expect(count(xml, /<testsuite /g)).toBe(2);
    expect(count(xml, /<testcase /g)).toBe(report.checks.length);
    const failing = report.checks.filter((check) => check.status === 'fail' && check.severity === 'error');
    expect(count(xml, /<failure /g)).toBe(failing.length);
    expect(xml).toMatch(new RegExp(`<testsuites [^>]* failures="${failing.length}"`));
    // The gate decides: with fail-on warning, warnings fail too; with never, nothing does.
    const strict = runOf([{ ...targetOf(recorded('legacy'), {}, 'warning'), name: 'legacy' }], 'warning');
    expect(count(renderJunit(strict), /<failure /g)).toBe(
      strict.checks.filter((check) => check.status === 'fail' && check.severity !== 'notice').length,
    );
    const never = runOf([{ ...targetOf(recorded('legacy'), {}, 'never'), name: 'legacy' }], 'never');
    expect(count(renderJunit(never), /<failure /g)).toBe(0);
    expect(exitCodeOf(never.checks, never.failOn)).toBe(0);
    // A finding below the gate passes, and still says what was seen.
    expect(renderJunit(never)).toMatch(/<system-out>error below fail-on: runs as root/);
  });

  it('carries the location, the message and the fix; skips are skipped', () => {
    const xml = renderJunit(reportOf(recorded('legacy')));
    expect(xml).toMatch(
      /<testcase classname="examples\/legacy\.user" name="HARD-USER-001 Runs as a non-root user" file="examples\/legacy\/Dockerfile" line="\d+" time="0">\n {6}<failure message="runs as root: USER is not set, so the container runs as UID 0" type="error">runs as root: USER is not set, so the container runs as UID 0\nFix: Create a user/,
    );
    expect(xml).toMatch(
      /<testcase [^>]*name="HARD-USER-002 Runs as the expected user"[^>]*>\n {6}<skipped message="no expected-user or expected-uid given"\/>/,
    );
  });

  it('keeps what the image says inert: no markup, no characters XML cannot carry', () => {
    const target = targetOf(recorded('legacy'));
    const hostile = copy(target);
    hostile.name = 'a"b<c>&d';
    hostile.checks[0] = {
      ...hostile.checks[0],
      status: 'fail',
      severity: 'error',
      message: 'x ]]> <script>alert(1)</script> "q" \u0001\u001b[31m',
    };
    const xml = renderJunit(runOf([hostile]));
    expect(xml).toContain('<testsuite name="a&quot;b&lt;c&gt;&amp;d"');
    expect(xml).toContain('message="x ]]&gt; &lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; ??[31m"');
    // eslint-disable-next-line no-control-regex -- looking for the characters XML 1.0 cannot carry
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });
});

describe('GitLab Code Quality', () => {
  it('an issue per finding, with location, severity and a fingerprint that ignores the figures', () => {
    const issues = renderCodeQuality(reportOf(recorded('legacy')));
    const failed = reportOf(recorded('legacy')).checks.filter((check) => check.status === 'fail');
    expect(issues).toHaveLength(failed.length);
    const root = issues.find((issue) => issue.check_name === 'HARD-USER-001')!;
    expect(root).toMatchObject({ severity: 'critical', location: { path: 'examples/legacy/Dockerfile' } });
    expect(root.location.lines.begin).toBeGreaterThan(0);
    expect(root.description).toBe(
      'Runs as a non-root user: runs as root: USER is not set, so the container runs as UID 0',
    );
    expect(root.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(issues.map((issue) => issue.fingerprint)).size).toBe(issues.length);
    expect(issues.every((issue) => ['info', 'minor', 'major', 'critical', 'blocker'].includes(issue.severity))).toBe(
      true,
    );
    // Another run of the same image measures other seconds and bytes: the same findings, the same fingerprints.
    const again = copy(recorded('legacy'));
    if (again.evidence.runtime.state !== 'collected') throw new Error('recorded runtime');
    const stop = again.evidence.runtime.value.service.stop;
    if (stop) stop.seconds += 1.7;
    const rerun = renderCodeQuality(reportOf(again));
    expect(rerun.map((issue) => issue.fingerprint)).toEqual(issues.map((issue) => issue.fingerprint));
  });

  it('an empty list when nothing failed; several targets name theirs', () => {
    const clean = reportOf(recorded('hardened'), {}, 'error');
    const findings = clean.checks.filter((check) => check.status === 'fail').length;
    expect(renderCodeQuality(clean)).toHaveLength(findings);
    const none = runOf([{ ...targetOf(recorded('hardened')), checks: [] }]);
    expect(renderCodeQuality(none)).toEqual([]);
    const two = renderCodeQuality(
      runOf([
        { ...targetOf(recorded('legacy')), name: 'a' },
        { ...targetOf(recorded('legacy')), name: 'b' },
      ]),
    );
    expect(two[0].description.startsWith('[a] ')).toBe(true);
    expect(new Set(two.map((issue) => issue.fingerprint)).size).toBe(two.length);
  });
});
