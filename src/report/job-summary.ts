import { CATEGORIES, type CheckResult, type Report } from '../model.js';
import { escapeMarkdown } from '../util/escape.js';
import { formatBytes } from '../util/format.js';
import { engineLine } from './engine-line.js';
import { sizeText } from './size-text.js';
import type { MetricRow } from './metric-rows.js';
import { STATUS_LABEL } from './metric-rows.js';
import { securityRows, type Cell } from './security-rows.js';
import { performanceRows, sizeRows, successCriteria } from './summary-tables.js';
import { countFailures } from './terminal.js';

// The job summary, laid out like the user's document with measured values: verdict, security
// summary, size breakdown, build and runtime performance, success criteria, then every check.
// Pure: returns Markdown; the action writes it. Everything from the image is escaped.

/** GitHub rejects a step summary over 1 MiB; leave room for other steps' summaries. */
export const SUMMARY_LIMIT_BYTES = 900 * 1024;

export interface SummaryOptions {
  baseline?: Report | null;
  /** How the baseline is named in the deltas: "main", "cs-mcp:1.0"… */
  baselineLabel?: string;
  /** Link to the workflow run, for the PR comment. */
  runUrl?: string;
}

export function renderJobSummary(report: Report, options: SummaryOptions = {}): string {
  const head = [
    verdictLine(report, options),
    ...headlineTables(report, options),
    sizeTable(report, options),
    performanceTables(report),
    criteriaList(report),
  ]
    .filter(Boolean)
    .join('\n\n');
  const foot = footer(report);
  const room = SUMMARY_LIMIT_BYTES - Buffer.byteLength(head) - Buffer.byteLength(foot) - 200;
  return `${head}\n\n${fitTo(checksSection(report.checks), room, report)}\n\n${foot}\n`;
}

/** The PR comment: verdict, the security summary and the performance tables, and a link to the run. */
export function renderComment(report: Report, marker: string, options: SummaryOptions = {}): string {
  const link = options.runUrl ? `\n\n[Full report in the job summary](${options.runUrl})` : '';
  return `${marker}\n${[verdictLine(report, options), ...headlineTables(report, options), performanceTables(report)].join('\n\n')}${link}\n`;
}

/** Where the figures were measured: the engine, its image store and buildx, and the tool's version. */
function footer(report: Report): string {
  const where = report.engine
    ? `Measured on ${escapeMarkdown(engineLine(report.engine))}`
    : 'Static analysis: no engine used';
  return `<sub>${where} · ${escapeMarkdown(`${report.tool.name} ${report.tool.version}`)}</sub>`;
}

function verdictLine(report: Report, options: SummaryOptions): string {
  const icon = report.passed ? '✅' : '❌';
  const image = report.target.image ?? report.target.dockerfile ?? 'image';
  const size = sizeText(report);
  const against = options.baseline
    ? ` · compared with <code>${escapeMarkdown(options.baselineLabel ?? 'the baseline', 200)}</code>`
    : '';
  return [
    `## ${icon} Container hardening: ${report.passed ? 'passed' : 'failed'}`,
    '',
    `<code>${escapeMarkdown(image, 200)}</code>${size} · ${countFailures(report.checks)} · fail-on: <code>${report.failOn}</code>${against}`,
  ].join('\n');
}

const cell = (value: Cell | null): string =>
  value === null
    ? '–'
    : `${value.state === 'good' ? '✅' : value.state === 'bad' ? '❌' : ''} ${escapeMarkdown(value.text)}`.trim();

function headlineTables(report: Report, options: SummaryOptions): string[] {
  const rows = securityRows(report, options.baseline ?? null);
  if (rows.every((row) => row.after.state === 'unknown')) return [];
  const withBefore = Boolean(options.baseline);
  const header = withBefore
    ? ['| Issue | Before | After | Impact |', '| --- | --- | --- | --- |']
    : ['| Issue | Now | Impact |', '| --- | --- | --- |'];
  const lines = rows.map((row) => {
    const after = `${cell(row.after)}${row.change ? ` — ${escapeMarkdown(row.change)}` : ''}`;
    return withBefore
      ? `| **${row.issue}** | ${cell(row.before)} | ${after} | ${row.impact} |`
      : `| **${row.issue}** | ${after} | ${row.impact} |`;
  });
  return [['### Security summary', '', ...header, ...lines].join('\n')];
}

function sizeTable(report: Report, options: SummaryOptions): string {
  const rows = sizeRows(report, options.baseline ?? null);
  if (rows.length === 0) return '';
  const bytes = (value: number | null): string =>
    escapeMarkdown(value === null ? '– (unknown without the Dockerfile)' : formatBytes(value));
  const withBefore = Boolean(options.baseline);
  const lines = rows.map((row) => {
    const label = row.component.startsWith('Total') ? `**${row.component}**` : row.component;
    const after = row.component.startsWith('Total') ? `**${bytes(row.after)}**` : bytes(row.after);
    return withBefore
      ? `| ${label} | ${bytes(row.before)} | ${after} | ${escapeMarkdown(row.savings ?? '–')} |`
      : `| ${label} | ${after} |`;
  });
  const header = withBefore
    ? ['| Component | Before | After | Savings |', '| --- | --- | --- | --- |']
    : ['| Component | Size |', '| --- | --- |'];
  const compressed = report.metrics.compressedSizeBytes;
  const pulled =
    compressed === null ? '' : ` Compressed, as a pull transfers it: ${escapeMarkdown(formatBytes(compressed))}.`;
  return [
    '### Size breakdown',
    '',
    ...header,
    ...lines,
    '',
    `_Unpacked bytes of the image's files (what it occupies when run), measured from its layers and the layer that added each.${pulled}_`,
  ].join('\n');
}

function metricTable(title: string, rows: MetricRow[]): string {
  if (rows.length === 0) return '';
  return [
    `### ${title}`,
    '',
    '| Metric | Target | Actual | Status |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (row) => `| ${row.label} | ${escapeMarkdown(row.target)} | ${escapeMarkdown(row.actual)} | ${row.status} |`,
    ),
  ].join('\n');
}

function performanceTables(report: Report): string {
  const { build, runtime } = performanceRows(report);
  return [metricTable('Build performance', build), metricTable('Runtime performance', runtime)]
    .filter(Boolean)
    .join('\n\n');
}

function criteriaList(report: Report): string {
  const items = successCriteria(report).map(
    (criterion) =>
      `- [${criterion.met ? 'x' : ' '}] ${escapeMarkdown(criterion.text).replace(/&#96;/g, '`')}${criterion.why ? ` — ${criterion.why}` : ''}`,
  );
  return ['### Success criteria', '', '_Ticked only by passing checks._', '', ...items].join('\n');
}

function checksSection(checks: CheckResult[]): string[] {
  const blocks: string[] = ['### Checks'];
  for (const category of CATEGORIES) {
    const inCategory = checks.filter((result) => result.category === category);
    if (inCategory.length === 0) continue;
    const failing = inCategory.filter((result) => result.status === 'fail' || result.status === 'error').length;
    const rows = inCategory.map((result) => {
      const where = result.location
        ? ` <code>${escapeMarkdown(`${result.location.file}${result.location.line ? `:${result.location.line}` : ''}`, 300)}</code>`
        : '';
      const fix =
        result.status === 'fail' && result.remediation ? `<br>Fix: ${escapeMarkdown(result.remediation)}` : '';
      return `| ${STATUS_LABEL[result.status]} | <code>${result.id}</code> ${result.severity} | ${escapeMarkdown(result.title)}${where} | ${escapeMarkdown(result.message)}${fix} |`;
    });
    blocks.push(
      [
        `<details${failing ? ' open' : ''}><summary><b>${category}</b>: ${inCategory.length - failing} of ${inCategory.length} without findings</summary>`,
        '',
        '| Status | Check | What | Seen |',
        '| --- | --- | --- | --- |',
        ...rows,
        '',
        '</details>',
      ].join('\n'),
    );
  }
  return blocks;
}

/** Keeps whole category blocks while they fit, then says what was left out (the JSON has all). */
function fitTo(blocks: string[], room: number, report: Report): string {
  const kept: string[] = [];
  let used = 0;
  for (const block of blocks) {
    const size = Buffer.byteLength(block) + 2;
    if (used + size > room) {
      kept.push(
        `_The summary reached GitHub's size limit; the remaining categories are in the JSON report (${report.checks.length} checks in all)._`,
      );
      break;
    }
    kept.push(block);
    used += size;
  }
  return kept.join('\n\n');
}
