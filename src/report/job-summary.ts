import { CATEGORIES, type CheckResult, type Report } from '../model.js';
import { escapeMarkdown } from '../util/escape.js';
import { formatBytes } from '../util/format.js';
import { STATUS_LABEL, metricRows } from './metric-rows.js';
import { countFailures } from './terminal.js';

// The job summary: a verdict line, the seed's metrics table with measured values, and every
// check. Pure: returns Markdown; the action writes it. Everything from the image is escaped.

/** GitHub rejects a step summary over 1 MiB; leave room for other steps' summaries. */
export const SUMMARY_LIMIT_BYTES = 900 * 1024;

export function renderJobSummary(report: Report): string {
  const parts = [verdictLine(report), metricsTable(report)];
  const checks = checksSection(report.checks);
  const head = parts.join('\n\n');
  const room = SUMMARY_LIMIT_BYTES - Buffer.byteLength(head) - 200;
  return `${head}\n\n${fitTo(checks, room, report)}\n`;
}

function verdictLine(report: Report): string {
  const icon = report.passed ? '✅' : '❌';
  const image = report.target.image ?? report.target.dockerfile ?? 'image';
  const size = report.metrics.imageSizeBytes === null ? '' : ` · ${formatBytes(report.metrics.imageSizeBytes)}`;
  return [
    `## ${icon} Container hardening: ${report.passed ? 'passed' : 'failed'}`,
    '',
    `<code>${escapeMarkdown(image, 200)}</code>${size} · ${countFailures(report.checks)} · fail-on: <code>${report.failOn}</code>`,
  ].join('\n');
}

function metricsTable(report: Report): string {
  const rows = metricRows(report);
  if (rows.length === 0) return '';
  return [
    '### Metrics',
    '',
    '| Metric | Target | Actual | Status |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.label} | ${escapeMarkdown(row.target)} | ${escapeMarkdown(row.actual)} | ${row.status} |`),
  ].join('\n');
}

function checksSection(checks: CheckResult[]): string[] {
  const blocks: string[] = ['### Checks'];
  for (const category of CATEGORIES) {
    const inCategory = checks.filter((result) => result.category === category);
    if (inCategory.length === 0) continue;
    const failing = inCategory.filter((result) => result.status === 'fail' || result.status === 'error').length;
    const rows = inCategory.map((result) => {
      const where = result.location ? ` <code>${escapeMarkdown(`${result.location.file}${result.location.line ? `:${result.location.line}` : ''}`, 300)}</code>` : '';
      const fix = result.status === 'fail' && result.remediation ? `<br>Fix: ${escapeMarkdown(result.remediation)}` : '';
      return `| ${STATUS_LABEL[result.status]} | <code>${result.id}</code> ${result.severity} | ${escapeMarkdown(result.title)}${where} | ${escapeMarkdown(result.message)}${fix} |`;
    });
    blocks.push([
      `<details${failing ? ' open' : ''}><summary><b>${category}</b>: ${inCategory.length - failing} of ${inCategory.length} without findings</summary>`,
      '',
      '| Status | Check | What | Seen |',
      '| --- | --- | --- | --- |',
      ...rows,
      '',
      '</details>',
    ].join('\n'));
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
      const left = report.checks.length;
      kept.push(`_The summary reached GitHub's size limit; the remaining categories are in the JSON report (${left} checks in all)._`);
      break;
    }
    kept.push(block);
    used += size;
  }
  return kept.join('\n\n');
}
