import { describePush } from './push-line.js';
import { targetCounts, verdictWord } from './build-report.js';
import type { CheckResult, Report, TargetReport } from '../model.js';
import { stripControl } from '../util/escape.js';
import { sizeText } from './size-text.js';
import { engineLine } from './engine-line.js';
import { metricRows } from './metric-rows.js';
import { overviewRows } from './overview.js';
import { platformDifferences } from './platform-differences.js';
import { findingCount, sharedFindings, splitOf, type SharedFindings } from './platform-findings.js';
import { securityRows } from './security-rows.js';

// The report as a developer reads it in a terminal: the metrics, then every check, failures
// first. Plain text; colour only on a terminal that wants it.

const SYMBOL: Record<CheckResult['status'], string> = { pass: '✔', fail: '✖', skip: '–', error: '!' };
const ORDER: Record<CheckResult['status'], number> = { fail: 0, error: 1, pass: 2, skip: 3 };

export interface TerminalStyle {
  colour: boolean;
  width: number;
}

export function renderTerminal(report: Report, style: TerminalStyle = { colour: false, width: 120 }): string {
  const paint = (code: number, text: string): string => (style.colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  const word = verdictWord(report.checks, report.failOn);
  const headline = paint(word === 'passed' ? 32 : word === 'failed' ? 31 : 33, word.toUpperCase());
  const engine = report.engine ? `on ${engineLine(report.engine)}` : 'static analysis: no engine used';
  if (report.targets.length === 1) {
    const target = report.targets[0];
    const image = target.target.image ?? target.target.dockerfile ?? target.name;
    lines.push(
      `${headline}  ${stripControl(image)}${sizeText(target.metrics)} · ${countFailures(report.checks)} · fail-on: ${report.failOn}`,
      engine,
      '',
    );
    lines.push(...targetLines(target, style, paint));
  } else {
    lines.push(
      `${headline}  ${report.targets.length} targets, ${targetCounts(report)} · ${countFailures(report.checks)} · fail-on: ${report.failOn}`,
      engine,
      '',
    );
    lines.push(
      ...table(
        ['Target', 'Verdict', 'Size', 'User', 'Health', 'Startup', 'Stop', 'Failed checks'],
        overviewRows(report).map((row) => [
          row.target,
          row.verdict,
          row.size,
          row.user,
          row.health,
          row.startup,
          row.stop,
          row.failed,
        ]),
      ),
      '',
    );
    for (const { target, lines: differences } of platformDifferences(report))
      lines.push(
        paint(1, `Differences between platforms: ${stripControl(target)}`),
        ...differences.map((line) => `  ${stripControl(line)}`),
        '',
      );
    // A finding every platform of a build has is said once, before the first platform's section.
    const shared = sharedFindings(report);
    for (const target of report.targets) {
      const group = shared.find((candidate) => candidate.targets[0] === target);
      if (group) lines.push(...allPlatformsLines(group, style, paint), '');
      lines.push(
        paint(
          1,
          `━━━ ${stripControl(target.name)} ━━━ ${verdictWord(target.checks, report.failOn)}${sizeText(target.metrics)}`,
        ),
        '',
      );
      lines.push(...targetLines(target, style, paint, shared), '');
    }
  }
  // What the run did not prove, once for the whole run (never per target).
  if (report.notes.length > 0)
    lines.push('', 'Not covered by this run:', ...report.notes.map((note) => `  - ${stripControl(note)}`));
  if (report.push) lines.push('', stripControl(describePush(report.push)));
  return `${lines.join('\n').trimEnd()}\n`;
}

type Paint = (code: number, text: string) => string;

/** The findings every platform of a build has, once: `━━━ app (all platforms) ━━━ 2 findings on linux/amd64, …`. */
function allPlatformsLines(group: SharedFindings, style: TerminalStyle, paint: Paint): string[] {
  return [
    paint(
      1,
      `━━━ ${stripControl(group.label)} ━━━ ${findingCount(group.findings.length)} on ${stripControl(group.platforms.join(', '))}`,
    ),
    '',
    ...checkLines(group.findings, style, paint),
  ];
}

function targetLines(
  target: TargetReport,
  style: TerminalStyle,
  paint: Paint,
  shared: SharedFindings[] = [],
): string[] {
  const lines: string[] = [];
  const baseline = target.baseline;
  if (baseline?.absent) lines.push(`No Before: ${stripControl(baseline.absent)}`, '');
  else if (baseline) {
    lines.push(`Compared with ${stripControl(baseline.label)}:`);
    const security = securityRows(target, baseline);
    lines.push(
      ...table(
        ['Issue', 'Before', 'After', 'Change'],
        security.map((row) => [row.issue, row.before?.text ?? '–', row.after.text, row.change ?? '']),
      ),
      '',
    );
  }
  const rows = metricRows(target);
  if (rows.length > 0) {
    lines.push(
      ...table(
        ['Metric', 'Target', 'Actual', 'Status'],
        rows.map((row) => [row.label, row.target, row.actual, row.status]),
      ),
      '',
    );
  }
  const split = splitOf(target, shared);
  const own = target.checks.filter((check) => !split.isShared(check));
  if (split.shared)
    lines.push(
      `${findingCount(target.checks.length - own.length)} on every platform: listed once, under ${stripControl(split.shared.label)}`,
      '',
    );
  lines.push(...checkLines(own, style, paint));
  return lines;
}

function checkLines(checks: CheckResult[], style: TerminalStyle, paint: Paint): string[] {
  const statusColour = (result: CheckResult): number =>
    result.status === 'pass'
      ? 32
      : result.status === 'skip'
        ? 90
        : result.status === 'error'
          ? 35
          : result.severity === 'error'
            ? 31
            : 33;
  const lines: string[] = [];
  const sorted = [...checks].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const idWidth = Math.max(...sorted.map((result) => result.id.length), 2);
  for (const result of sorted) {
    const where = result.location
      ? `  (${result.location.file}${result.location.line ? `:${result.location.line}` : ''})`
      : '';
    const head = `${paint(statusColour(result), `${SYMBOL[result.status]} ${result.status.padEnd(5)}`)} ${result.id.padEnd(idWidth)}  ${result.title}${stripControl(where)}`;
    lines.push(head);
    const indent = ' '.repeat(idWidth + 10);
    for (const line of wrap(stripControl(result.message), style.width - indent.length))
      lines.push(`${indent}${paint(90, line)}`);
    if (result.status === 'fail' && result.remediation) {
      for (const line of wrap(`fix: ${result.remediation}`, style.width - indent.length))
        lines.push(`${indent}${line}`);
    }
  }
  return lines;
}

export function countFailures(checks: CheckResult[]): string {
  const failed = (severity: string): number =>
    checks.filter((result) => result.status === 'fail' && result.severity === severity).length;
  const errors = checks.filter((result) => result.status === 'error').length;
  const parts = [`${failed('error')} error`, `${failed('warning')} warning`, `${failed('notice')} notice`].map(
    (part) => `${part} failed`,
  );
  const passed = checks.filter((result) => result.status === 'pass').length;
  return `${passed} passed, ${parts.join(', ')}${errors ? `, ${errors} could not run` : ''}`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, index) => stripControl(cell).padEnd(widths[index]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '─'.repeat(width)).join('  '), ...rows.map(line)];
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line && line.length + word.length + 1 > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}
