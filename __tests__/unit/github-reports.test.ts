import AjvModule from 'ajv-draft-04';
import { readFileSync } from 'node:fs';
import { ALL_CHECKS } from '../../src/checks/index.js';
import type { CheckResult } from '../../src/model.js';
import { planAnnotations } from '../../src/report/annotations.js';
import { renderComment, renderJobSummary } from '../../src/report/job-summary.js';
import { renderSarif } from '../../src/report/sarif.js';
import { securityRows } from '../../src/report/security-rows.js';
import { sizeRows, successCriteria } from '../../src/report/summary-tables.js';
import { recorded, reportOf, runOf, targetOf } from '../helpers/evidence.js';

const expectations = { 'expected-user': 'csops', 'expected-uid': '1000' };
const hardened = targetOf(recorded('hardened'), expectations);
const legacy = targetOf(recorded('legacy'), expectations);

const finding = (index: number, severity: CheckResult['severity'], line = index): CheckResult => ({
  id: `HARD-SIZE-${String(index).padStart(3, '0')}`,
  category: 'size',
  severity,
  status: 'fail',
  title: 't',
  message: `problem ${index}\nsecond line`,
  location: { file: 'Dockerfile', line },
});

describe('annotations', () => {
  it('put the most severe first, one line each, at most 10 per level, and say how many more', () => {
    const checks = [
      ...Array.from({ length: 14 }, (_, i) => finding(i, 'warning')),
      ...Array.from({ length: 12 }, (_, i) => finding(100 + i, 'error')),
      finding(200, 'notice'),
    ];
    const plan = planAnnotations(checks);
    expect(plan.map((annotation) => annotation.level)).toEqual([
      ...(Array(10).fill('error') as string[]),
      ...(Array(10).fill('warning') as string[]),
      'notice',
      'notice',
    ]);
    expect(plan[0]).toMatchObject({
      title: 'HARD-SIZE-100 t',
      message: 'problem 100 | second line',
      file: 'Dockerfile',
      startLine: 100,
    });
    expect(plan[plan.length - 1].message).toMatch(/^6 more finding\(s\) \(2 errors, 4 warnings\) are not annotated/);
  });

  it('are never duplicated, and report a check that could not run as a warning', () => {
    const twice = finding(1, 'error');
    const broken: CheckResult = { ...finding(2, 'error'), status: 'error', message: 'engine went away' };
    const plan = planAnnotations([twice, { ...twice }, broken]);
    expect(plan.map((annotation) => [annotation.level, annotation.message])).toEqual([
      ['error', 'problem 1 | second line'],
      ['warning', 'could not run: engine went away'],
    ]);
  });

  it('cover every finding of the legacy example, on its lines', () => {
    const plan = planAnnotations(legacy.checks);
    expect(plan.filter((annotation) => annotation.level === 'error').length).toBeLessThanOrEqual(10);
    expect(plan.find((annotation) => annotation.title.startsWith('HARD-TOOLS-001'))).toMatchObject({
      file: 'examples/legacy/Dockerfile',
      startLine: 6,
    });
    expect(plan.find((annotation) => annotation.title.startsWith('HARD-HEALTH-004'))).toMatchObject({ startLine: 11 });
  });
});

describe('SARIF', () => {
  const schema = JSON.parse(
    readFileSync('node_modules/@microsoft/sarif-matcher-utils/lib/schemas/sarif-2.1.0-rtm.5.json', 'utf8'),
  ) as object;
  // CommonJS default export; and the schema has a pattern that is not a valid unicode regex.
  const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as new (
    options: object,
  ) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown } };
  const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false }).compile(
    schema,
  );

  it.each([
    ['a failing report', runOf([legacy])],
    ['a clean report', runOf([hardened])],
    ['a report of two targets', runOf([legacy, { ...hardened, name: 'examples/hardened' }])],
  ])('is valid SARIF 2.1.0 for %s', (_, report) => {
    const sarif = renderSarif(report, ALL_CHECKS);
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
  });

  it('has one rule per check with its remediation as help, and a location for every result', () => {
    const sarif = renderSarif(runOf([legacy]), ALL_CHECKS) as {
      runs: {
        tool: { driver: { rules: { id: string; help: { text: string } }[] } };
        results: { ruleId: string; level: string; locations: unknown[] }[];
      }[];
    };
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((rule) => rule.id)).toEqual(ALL_CHECKS.map((check) => check.id));
    expect(run.tool.driver.rules.find((rule) => rule.id === 'HARD-TOOLS-001')?.help.text).toMatch(/builder stage/);
    expect(run.results.length).toBe(legacy.checks.filter((result) => result.status === 'fail').length);
    for (const result of run.results) expect(result.locations).toHaveLength(1);
    expect(run.results.find((result) => result.ruleId === 'HARD-USER-003')).toMatchObject({
      level: 'error',
      locations: [
        { physicalLocation: { artifactLocation: { uri: 'examples/legacy/Dockerfile' }, region: { startLine: 4 } } },
      ],
    });
  });

  it('has a results array when clean', () => {
    const clean = { ...hardened, checks: hardened.checks.filter((result) => result.status !== 'fail') };
    expect((renderSarif(runOf([clean]), ALL_CHECKS) as { runs: { results: unknown[] }[] }).runs[0].results).toEqual([]);
  });

  it('has one run per target, each its own code-scanning category, for several targets', () => {
    const two = runOf([legacy, { ...hardened, name: 'examples/hardened' }]);
    const sarif = renderSarif(two, ALL_CHECKS) as {
      runs: { automationDetails?: { id: string }; results: unknown[] }[];
    };
    expect(sarif.runs.map((run) => run.automationDetails?.id)).toEqual([
      'cs-docker-hardening/examples/legacy/',
      'cs-docker-hardening/examples/hardened/',
    ]);
    expect(sarif.runs[0].results.length).toBe(legacy.checks.filter((result) => result.status === 'fail').length);
    // One target alone keeps the category code scanning has always seen from it.
    expect(
      (renderSarif(runOf([legacy]), ALL_CHECKS) as { runs: { automationDetails?: unknown }[] }).runs[0]
        .automationDetails,
    ).toBeUndefined();
  });
});

describe('Before / After', () => {
  it("shows the production checklist's improvements with the legacy example as the baseline", () => {
    const rows = Object.fromEntries(securityRows(hardened, legacy).map((row) => [row.issue, row]));
    expect(rows['Runs as root']).toMatchObject({
      before: { state: 'bad', text: 'Yes (UID 0)' },
      after: { state: 'good', text: 'No (UID 1000)' },
      change: 'fixed',
    });
    expect(rows['Build tools in runtime']).toMatchObject({
      before: { state: 'bad' },
      after: { state: 'good', text: 'No' },
      change: 'fixed',
    });
    expect(rows['Build tools in runtime'].before!.text).toMatch(/^Yes \(as, c\+\+, cc, cpp, g\+\+, …\)$/);
    expect(rows['Health check']).toMatchObject({
      before: { text: 'Fake (passes with the service down)' },
      after: { text: 'Real (fails when the service is down)' },
      change: 'fixed',
    });
    expect(rows['Image size'].change).toMatch(/^−36\d\.\d MB \(−6\d%\)$/);
    expect(rows['Signal handling']).toMatchObject({
      before: { state: 'bad' },
      after: { state: 'good' },
      change: 'fixed',
    });
  });

  it('says what is new the other way round', () => {
    const rows = Object.fromEntries(securityRows(legacy, hardened).map((row) => [row.issue, row]));
    expect(rows['Runs as root'].change).toBe('new: runs as root');
  });

  it('breaks the size down by component, with savings', () => {
    const rows = Object.fromEntries(sizeRows(hardened, legacy).map((row) => [row.component, row]));
    expect(rows['Build tools'].before!).toBeGreaterThan(100e6);
    expect(rows['Build tools'].after).toBe(0);
    expect(rows['Build tools'].savings).toMatch(/^−\d+\.\d MB \(−100%\)$/);
    expect(rows['Base image'].savings).toBe('unchanged');
    expect(rows['Total (unpacked image size)'].after).toBe(hardened.metrics.imageSizeBytes);
    const sum = ['Base image', 'System packages', 'Build tools', 'Language packages', 'Application code'].reduce(
      (total, key) => total + rows[key].after!,
      0,
    );
    expect(Math.abs(sum - hardened.metrics.imageSizeBytes!) / hardened.metrics.imageSizeBytes!).toBeLessThan(0.02);
  });

  it('renders Before/After tables with a baseline, and "Now" without one', () => {
    const withBaseline = renderJobSummary(
      reportOf(recorded('hardened'), expectations, 'error', undefined, {
        recorded: recorded('legacy'),
        label: 'examples/legacy',
      }),
    );
    expect(withBaseline).toContain('| Issue | Before | After | Impact |');
    expect(withBaseline).toMatch(
      /\| \*\*Runs as root\*\* \| ❌ Yes &#40;UID 0&#41; \| ✅ No &#40;UID 1000&#41; — fixed \| CRITICAL \|/,
    );
    expect(withBaseline).toContain('| Component | Before | After | Savings |');
    expect(renderJobSummary(runOf([hardened]))).toContain('| Issue | Now | Impact |');
  });
});

describe('success criteria', () => {
  it('are ticked only by passing checks', () => {
    expect(successCriteria(hardened).every((criterion) => criterion.met)).toBe(true);
    const legacyCriteria = successCriteria(legacy);
    expect(legacyCriteria.filter((criterion) => criterion.met).map((criterion) => criterion.text)).toEqual([]);
    expect(legacyCriteria[1]).toMatchObject({
      text: 'Non-root user `csops` (UID 1000)',
      met: false,
      why: 'HARD-USER-003 failed, HARD-USER-002 failed',
    });
    expect(legacyCriteria[6].why).toBe(
      'HARD-COMPOSE-001 not measured, HARD-COMPOSE-004 not measured, HARD-COMPOSE-005 not measured',
    );
  });
});

describe('the PR comment', () => {
  it('carries the marker, the verdict, the headline tables and a link to the run', () => {
    const body = renderComment(runOf([legacy]), '<!-- cs-docker-hardening:examples/legacy -->', {
      runUrl: 'https://github.com/org/svc/actions/runs/42',
    });
    expect(body.startsWith('<!-- cs-docker-hardening:examples/legacy -->\n## ❌ Container hardening: failed')).toBe(
      true,
    );
    expect(body).toContain('### Security summary');
    expect(body).toContain('### Runtime performance');
    expect(body).toContain('[Full report in the job summary](https://github.com/org/svc/actions/runs/42)');
    expect(body).not.toContain('### Checks');
  });
});

describe('a baseline image without its Dockerfile', () => {
  it("is split into base and own layers by the tested image's base layer digests, exactly", async () => {
    const { createLocator } = await import('../../src/evidence/locate.js');
    const { valueOf } = await import('../../src/evidence/collected.js');
    const { measureSizeBreakdown } = await import('../../src/report/size-breakdown.js');
    const tested = recorded('hardened');
    const baseline = recorded('legacy');
    const testedLocate = createLocator(
      valueOf(tested.evidence.dockerfile),
      valueOf(tested.evidence.filesystem),
      valueOf(tested.evidence.image),
    );
    const knownBase = testedLocate.baseLayerDigests();
    expect(knownBase.length).toBe(2); // the python:3.11-slim stand-in: Debian's layer and Python's
    const blind = createLocator(undefined, valueOf(baseline.evidence.filesystem), valueOf(baseline.evidence.image));
    expect(measureSizeBreakdown(valueOf(baseline.evidence.filesystem)!, blind).baseImageBytes).toBeNull();
    const split = createLocator(
      undefined,
      valueOf(baseline.evidence.filesystem),
      valueOf(baseline.evidence.image),
      knownBase,
    );
    const breakdown = measureSizeBreakdown(valueOf(baseline.evidence.filesystem)!, split);
    expect(breakdown.baseImageBytes).toBe(
      measureSizeBreakdown(valueOf(tested.evidence.filesystem)!, testedLocate).baseImageBytes,
    );
    expect(breakdown.buildToolsBytes).toBeGreaterThan(100e6);
  });
});
