import { CATEGORIES, type CheckResult, type Judged, type TargetReport } from '../model.js';
import { escapeMarkdown } from '../util/escape.js';
import { formatBytes } from '../util/format.js';
import type { MetricRow } from './metric-rows.js';
import { STATUS_LABEL } from './metric-rows.js';
import { securityRows, type Cell } from './security-rows.js';
import { performanceRows, sizeRows, successCriteria } from './summary-tables.js';

// One target in the job summary and the PR comment, laid out like the user's document with
// measured values: security summary (Before/After with a baseline), size breakdown, build and
// runtime performance, success criteria, then every check. Everything from the image is escaped.

/** The baseline to compare with; a target new in this change has none (its note says why). */
export function presentBaseline(target: TargetReport): Judged | null {
  return target.baseline && !target.baseline.absent ? target.baseline : null;
}

const cell = (value: Cell | null): string =>
  value === null
    ? '–'
    : `${value.state === 'good' ? '✅' : value.state === 'bad' ? '❌' : ''} ${escapeMarkdown(value.text)}`.trim();

export function securityTable(target: TargetReport): string {
  const baseline = presentBaseline(target);
  const rows = securityRows(target, baseline);
  if (rows.every((row) => row.after.state === 'unknown')) return '';
  const withBefore = Boolean(baseline);
  const header = withBefore
    ? ['| Issue | Before | After | Impact |', '| --- | --- | --- | --- |']
    : ['| Issue | Now | Impact |', '| --- | --- | --- |'];
  const lines = rows.map((row) => {
    const after = `${cell(row.after)}${row.change ? ` — ${escapeMarkdown(row.change)}` : ''}`;
    return withBefore
      ? `| **${row.issue}** | ${cell(row.before)} | ${after} | ${row.impact} |`
      : `| **${row.issue}** | ${after} | ${row.impact} |`;
  });
  return ['### Security summary', '', ...header, ...lines].join('\n');
}

export function sizeTable(target: TargetReport): string {
  const baseline = presentBaseline(target);
  const rows = sizeRows(target, baseline);
  if (rows.length === 0) return '';
  const bytes = (value: number | null): string =>
    escapeMarkdown(value === null ? '– (unknown without the Dockerfile)' : formatBytes(value));
  const withBefore = Boolean(baseline);
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
  const compressed = target.metrics.compressedSizeBytes;
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

export function performanceTables(target: TargetReport): string {
  const { build, runtime } = performanceRows(target);
  return [metricTable('Build performance', build), metricTable('Runtime performance', runtime)]
    .filter(Boolean)
    .join('\n\n');
}

export function criteriaList(target: TargetReport): string {
  const items = successCriteria(target).map(
    (criterion) =>
      `- [${criterion.met ? 'x' : ' '}] ${escapeMarkdown(criterion.text).replace(/&#96;/g, '`')}${criterion.why ? ` — ${criterion.why}` : ''}`,
  );
  return ['### Success criteria', '', '_Ticked only by passing checks._', '', ...items].join('\n');
}

function checkRow(result: CheckResult): string {
  const where = result.location
    ? ` <code>${escapeMarkdown(`${result.location.file}${result.location.line ? `:${result.location.line}` : ''}`, 300)}</code>`
    : '';
  const fix = result.status === 'fail' && result.remediation ? `<br>Fix: ${escapeMarkdown(result.remediation)}` : '';
  return `| ${STATUS_LABEL[result.status]} | <code>${result.id}</code> ${result.severity} | ${escapeMarkdown(result.title)}${where} | ${escapeMarkdown(result.message)}${fix} |`;
}

const isFinding = (result: CheckResult): boolean => result.status === 'fail' || result.status === 'error';

/**
 * Every check of a target, by category. A platform of a build proven for several leaves out the
 * findings all its platforms have (`isShared`, listed once under `sharedLabel`): its category
 * still counts them, and says where they are.
 */
export function checksSection(
  checks: CheckResult[],
  shared?: { label: string; isShared: (check: CheckResult) => boolean },
): string[] {
  const blocks: string[] = ['### Checks'];
  for (const category of CATEGORIES) {
    const inCategory = checks.filter((result) => result.category === category);
    if (inCategory.length === 0) continue;
    const failing = inCategory.filter(isFinding).length;
    const own = shared ? inCategory.filter((result) => !shared.isShared(result)) : inCategory;
    const elsewhere = inCategory.length - own.length;
    const note =
      shared && elsewhere > 0
        ? ` (${elsewhere} on every platform, listed once under ${escapeMarkdown(shared.label, 200)})`
        : '';
    const head = `<b>${category}</b>: ${inCategory.length - failing} of ${inCategory.length} without findings${note}`;
    // Nothing of its own to list: the line alone.
    if (own.length === 0) {
      blocks.push(head);
      continue;
    }
    blocks.push(
      [
        `<details${own.some(isFinding) ? ' open' : ''}><summary>${head}</summary>`,
        '',
        '| Status | Check | What | Seen |',
        '| --- | --- | --- | --- |',
        ...own.map(checkRow),
        '',
        '</details>',
      ].join('\n'),
    );
  }
  return blocks;
}

/** The findings every platform of a build has, once, by category: one table. */
export function allPlatformsFindings(findings: CheckResult[], platforms: string[]): string {
  const sorted = CATEGORIES.flatMap((category) => findings.filter((result) => result.category === category));
  return [
    '### Findings on every platform',
    '',
    `_The same check, status and message on ${escapeMarkdown(platforms.join(', '))}; each platform's section below lists only its own._`,
    '',
    '| Status | Check | What | Seen |',
    '| --- | --- | --- | --- |',
    ...sorted.map(checkRow),
  ].join('\n');
}
