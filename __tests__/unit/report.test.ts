import { exitCodeOf, verdict } from '../../src/report/build-report.js';
import { buildRunReport } from '../../src/report/build-report.js';
import { renderComment, renderJobSummary, SUMMARY_LIMIT_BYTES } from '../../src/report/job-summary.js';
import { ALL_CHECKS } from '../../src/checks/index.js';
import { renderJson } from '../../src/report/json.js';
import { renderTerminal } from '../../src/report/terminal.js';
import type { CheckResult } from '../../src/model.js';
import { recorded, reportOf, runOf, targetOf } from '../helpers/evidence.js';
import { escapeMarkdown, neutraliseCommands, stripControl } from '../../src/util/escape.js';

const legacy = recorded('legacy');
const hardened = recorded('hardened');

function report(which = legacy, failOn: 'error' | 'warning' | 'never' = 'error') {
  return reportOf(which, { 'expected-user': 'csops', 'expected-uid': '1000' }, failOn);
}

const fake = (status: CheckResult['status'], severity: CheckResult['severity']): CheckResult => ({
  id: 'HARD-X-001',
  category: 'size',
  severity,
  status,
  title: 't',
  message: 'm',
});

describe('verdict and exit code', () => {
  it('follow fail-on', () => {
    const warning = [fake('pass', 'error'), fake('fail', 'warning')];
    expect([verdict(warning, 'error'), exitCodeOf(warning, 'error')]).toEqual(['passed', 0]);
    expect([verdict(warning, 'warning'), exitCodeOf(warning, 'warning')]).toEqual(['failed', 1]);
    expect(exitCodeOf([fake('fail', 'error')], 'never')).toBe(0);
  });

  it('never pass a gate whose check could not run', () => {
    expect([verdict([fake('error', 'error')], 'error'), exitCodeOf([fake('error', 'error')], 'error')]).toEqual([
      'errored',
      2,
    ]);
    expect(exitCodeOf([fake('error', 'error'), fake('fail', 'error')], 'error')).toBe(1);
    expect(exitCodeOf([fake('skip', 'error')], 'error')).toBe(0);
  });
});

describe('JSON report', () => {
  it('keeps the version 1 fields for one target, and adds its engine and targets', () => {
    const parsed = JSON.parse(renderJson(report())) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([
      'schemaVersion',
      'tool',
      'engine',
      'target',
      'passed',
      'failOn',
      'metrics',
      'checks',
      'baseline',
      'baselineLabel',
      'timings',
      'targets',
      'cis',
      'notes',
    ]);
    expect(parsed).toMatchObject({
      schemaVersion: 3,
      tool: { name: 'cs-docker-hardening' },
      passed: false,
      baseline: null,
    });
    expect(Object.keys(parsed.target as object)).toEqual(
      expect.arrayContaining(['context', 'dockerfile', 'image', 'imageId']),
    );
    // The one target's fields are the version 1 fields, exactly.
    const [only] = parsed.targets as Record<string, unknown>[];
    expect(only).toMatchObject({
      target: parsed.target,
      metrics: parsed.metrics,
      checks: parsed.checks,
      passed: false,
    });
    expect(parsed.engine).toMatchObject({ imageStore: 'containerd', apiVersion: '1.51', healthStartInterval: true });
    const metrics = parsed.metrics as Record<string, unknown>;
    for (const key of [
      'buildSeconds',
      'cachedBuildSeconds',
      'imageSizeBytes',
      'layers',
      'startupSeconds',
      'idleMemoryBytes',
      'idleCpu',
      'stopSeconds',
      'stopExitCode',
    ]) {
      expect(metrics).toHaveProperty(key);
    }
    expect(metrics.startupSeconds).toBeGreaterThan(0);
    expect(metrics.runUid).toBe(0);
    for (const check of parsed.checks as Record<string, unknown>[]) {
      expect(['pass', 'fail', 'skip', 'error']).toContain(check.status);
      expect(['error', 'warning', 'notice']).toContain(check.severity);
      expect(typeof check.message).toBe('string');
    }
  });
});

describe('metrics', () => {
  it('are null where not measured, never 0', () => {
    const evidence = structuredClone(legacy.evidence);
    evidence.runtime = { state: 'skipped', reason: 'static mode: nothing is run' };
    evidence.rebuild = { state: 'failed', error: 'engine went away' };
    const metrics = targetOf(legacy, {}, 'error', evidence).metrics;
    expect([
      metrics.startupSeconds,
      metrics.idleMemoryBytes,
      metrics.idleCpu,
      metrics.stopSeconds,
      metrics.cachedBuildSeconds,
      metrics.pid1,
    ]).toEqual([null, null, null, null, null, null]);
    expect(metrics.imageSizeBytes).toBeGreaterThan(0);
  });
});

describe('job summary', () => {
  it('has the verdict, the metrics table with measured values, and the checks', () => {
    const summary = renderJobSummary(report());
    expect(summary).toContain('## ❌ Container hardening: failed');
    expect(summary).toContain('| Metric | Target | Actual | Status |');
    expect(summary).toMatch(/\| Image size \(unpacked\) \| ≤ 500\.0 MB \| 5\d\d\.\d MB \| ❌ fail \|/);
    expect(summary).toContain('| **Runs as root** | ❌ Yes &#40;UID 0&#41; | CRITICAL |');
    expect(summary).toContain('<code>HARD-USER-001</code>');
    expect(renderJobSummary(report(hardened))).toContain('## ✅ Container hardening: passed');
  });

  it('escapes text from the image and stays under the size limit', () => {
    const hostile = targetOf(legacy);
    hostile.target.image = 'evil</code><img src=x onerror=alert(1)>';
    hostile.checks = Array.from({ length: 5000 }, (_, i) => ({
      ...fake('fail', 'error'),
      id: `HARD-SIZE-${String(i).padStart(3, '0')}`,
      message: `![track](https://evil.example/${i}) <script>alert(1)</script> | col ${'x'.repeat(400)}`,
    }));
    const summary = renderJobSummary(runOf([hostile]));
    expect(summary).not.toContain('<script>');
    expect(summary).not.toContain('<img');
    expect(summary).not.toContain('![track]');
    expect(Buffer.byteLength(summary)).toBeLessThan(SUMMARY_LIMIT_BYTES);
    expect(summary).toContain("reached GitHub's size limit");
  });
});

describe('terminal report', () => {
  it('lists failures first with the fix, and the metrics', () => {
    const text = renderTerminal(report());
    expect(text.startsWith('FAILED')).toBe(true);
    expect(text.indexOf('✖ fail')).toBeLessThan(text.indexOf('✔ pass'));
    expect(text).toContain('fix: ');
    expect(text).toMatch(/Image size \(unpacked\)\s+≤ 500\.0 MB\s+5\d\d\.\d MB\s+❌ fail/);
  });
});

describe("the run's notes (what it did not prove)", () => {
  const notes = [
    'postgres (compose.yaml:4): image postgres:15-bookworm not proven (check-service-images is off)',
    'the services that only name an image are proven only when asked, so their user, health and size were not judged: add --check-service-images to prove them (an image not on the engine is pulled)',
  ];
  const withNotes = (targets: ReturnType<typeof targetOf>[]) =>
    // Matrix jobs each say the same note: the run says it once.
    buildRunReport({ targets, checks: ALL_CHECKS, failOn: 'error', notes: [...notes, notes[0]], timings: {} });

  it.each([
    ['one target', [targetOf(hardened)]],
    [
      'several targets',
      [
        { ...targetOf(hardened), name: 'api' },
        { ...targetOf(hardened), name: 'worker' },
      ],
    ],
  ])('are said once, with why and how, in the JSON, the summary, the comment and the terminal (%s)', (_, targets) => {
    const run = withNotes(targets);
    expect((JSON.parse(renderJson(run)) as { notes: string[] }).notes).toEqual(notes);
    const once = (text: string, needle: string): number => text.split(needle).length - 1;
    const summary = renderJobSummary(run);
    expect(once(summary, '**Not covered by this run**')).toBe(1);
    expect(once(summary, `- ${escapeMarkdown(notes[0])}`)).toBe(1);
    expect(once(summary, escapeMarkdown('add --check-service-images to prove them'))).toBe(1);
    const comment = renderComment(run, '<!-- marker -->');
    expect(once(comment, '**Not covered by this run**')).toBe(1);
    expect(once(comment, `- ${escapeMarkdown(notes[1])}`)).toBe(1);
    const terminal = renderTerminal(run);
    expect(once(terminal, 'Not covered by this run:')).toBe(1);
    expect(once(terminal, `  - ${notes[0]}`)).toBe(1);
  });

  it('are not mentioned when there are none', () => {
    const run = runOf([targetOf(hardened)]);
    expect(renderJobSummary(run)).not.toContain('Not covered');
    expect(renderTerminal(run)).not.toContain('Not covered');
  });
});

describe('escaping', () => {
  it('keeps markup, terminal controls and workflow commands inert', () => {
    expect(escapeMarkdown('[x](http://a) *b* `c` <i>|')).toBe(
      '&#91;x&#93;&#40;http&#58;//a&#41; &#42;b&#42; &#96;c&#96; &lt;i&gt;&#124;',
    );
    // Every character once: the references written are not escaped again.
    expect(escapeMarkdown(`the host's "run" & #1`)).toBe('the host&#39;s &quot;run&quot; &amp; &#35;1');
    expect(stripControl('a\u001b[31mred\u001b[0m\u0007b')).toBe('ared?b');
    expect(neutraliseCommands('ok\n::set-output name=x::1\n  ::add-mask::y')).toBe(
      'ok\n:\u200d:set-output name=x::1\n  :\u200d:add-mask::y',
    );
  });
});
