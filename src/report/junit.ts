import type { CheckResult, Report, TargetReport } from '../model.js';
import { gatingSeverities } from './build-report.js';
import { TOOL_NAME } from '../version.js';

// JUnit XML, for the pipelines that read test reports (GitLab's `artifacts:reports:junit`,
// Jenkins' junit step): a test suite per target, a test case per check result. A test case fails
// exactly when the run's verdict counts it (a failed check at or above fail-on), so the test
// report and the exit code never disagree; a finding below fail-on passes with the finding in its
// output, a check that could not run is an error where it counts, and a skip is skipped.

export function renderJunit(report: Report): string {
  const gating = new Set(gatingSeverities(report.failOn));
  const suites = report.targets.map((target) => suite(target, gating));
  const total = tally(
    report.targets.flatMap((target) => target.checks),
    gating,
  );
  const seconds = sum(report.targets.map((target) => secondsOf(target)));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${TOOL_NAME}" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}" time="${seconds.toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

interface Tally {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function outcome(result: CheckResult, gating: Set<string>): 'failure' | 'error' | 'skipped' | 'passed' {
  if (result.status === 'skip') return 'skipped';
  if (result.status === 'fail') return gating.has(result.severity) ? 'failure' : 'passed';
  if (result.status === 'error') return gating.has(result.severity) ? 'error' : 'skipped';
  return 'passed';
}

function tally(results: CheckResult[], gating: Set<string>): Tally {
  const counts: Tally = { tests: results.length, failures: 0, errors: 0, skipped: 0 };
  for (const result of results) {
    const kind = outcome(result, gating);
    if (kind === 'failure') counts.failures++;
    else if (kind === 'error') counts.errors++;
    else if (kind === 'skipped') counts.skipped++;
  }
  return counts;
}

function suite(target: TargetReport, gating: Set<string>): string {
  const counts = tally(target.checks, gating);
  const properties = [
    ['kind', target.kind],
    ['context', target.target.context],
    ['dockerfile', target.target.dockerfile],
    ['image', target.target.imageId ?? target.target.image],
    ['platform', target.target.platform],
  ]
    .filter((entry): entry is [string, string] => Boolean(entry[1]))
    .map(([name, value]) => `      <property name="${attr(name)}" value="${attr(value)}"/>`);
  return [
    `  <testsuite name="${attr(target.name)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="${secondsOf(target).toFixed(3)}">`,
    ...(properties.length > 0 ? ['    <properties>', ...properties, '    </properties>'] : []),
    ...target.checks.map((result) => testcase(target, result, gating)),
    '  </testsuite>',
  ].join('\n');
}

function testcase(target: TargetReport, result: CheckResult, gating: Set<string>): string {
  const where = result.location
    ? ` file="${attr(result.location.file)}"${result.location.line ? ` line="${result.location.line}"` : ''}`
    : '';
  const open = `    <testcase classname="${attr(`${target.name}.${result.category}`)}" name="${attr(`${result.id} ${result.title}`)}"${where} time="0">`;
  const detail = [result.message, result.remediation ? `Fix: ${result.remediation}` : '', place(result)]
    .filter(Boolean)
    .join('\n');
  switch (outcome(result, gating)) {
    case 'failure':
      return `${open}\n      <failure message="${attr(result.message)}" type="${result.severity}">${text(detail)}</failure>\n    </testcase>`;
    case 'error':
      return `${open}\n      <error message="${attr(result.message)}" type="could not run">${text(detail)}</error>\n    </testcase>`;
    case 'skipped':
      return `${open}\n      <skipped message="${attr(result.message)}"/>\n    </testcase>`;
    default:
      // A finding below fail-on still says what was seen.
      return result.status === 'fail'
        ? `${open}\n      <system-out>${text(`${result.severity} below fail-on: ${detail}`)}</system-out>\n    </testcase>`
        : `${open}</testcase>`;
  }
}

function place(result: CheckResult): string {
  if (!result.location) return '';
  return `at ${result.location.file}${result.location.line ? `:${result.location.line}` : ''}`;
}

function secondsOf(target: TargetReport): number {
  return sum(
    Object.entries(target.timings)
      .filter(([phase]) => !phase.includes(' and '))
      .map(([, value]) => value),
  );
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** XML 1.0 cannot carry most control characters at all, even escaped: they are replaced. */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex -- removing what XML 1.0 forbids is the point
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '?');
}

function text(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}
