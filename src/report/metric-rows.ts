import type { CheckResult, Report } from '../model.js';
import { formatBytes, formatSeconds } from '../util/format.js';

// The seed's "Performance Metrics" tables, row by row: which measured figure, against which
// target, judged by which check. The status is the check's own; nothing is judged here.

export interface MetricRow {
  label: string;
  target: string;
  actual: string;
  status: string;
  checkId: string;
}

interface RowSpec {
  label: string;
  checkId: string;
  actual(report: Report): string | null;
}

const ROWS: RowSpec[] = [
  { label: 'Build time (clean)', checkId: 'HARD-BUILD-002', actual: (r) => buildTime(r) },
  { label: 'Image size', checkId: 'HARD-SIZE-001', actual: (r) => nullable(r.metrics.imageSizeBytes, formatBytes) },
  { label: 'Layers', checkId: 'HARD-LAYERS-001', actual: (r) => nullable(r.metrics.layers, String) },
  { label: 'Runs as', checkId: 'HARD-USER-001', actual: (r) => nullable(r.metrics.runUid, (uid) => `UID ${uid}`) },
];

export const STATUS_LABEL: Record<CheckResult['status'], string> = { pass: '✅ pass', fail: '❌ fail', skip: '➖ skip', error: '⚠️ error' };

export function metricRows(report: Report): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const spec of ROWS) {
    const result = report.checks.find((check) => check.id === spec.checkId);
    if (!result) continue;
    const failedWarning = result.status === 'fail' && result.severity !== 'error';
    rows.push({
      label: spec.label,
      target: describeTarget(result),
      actual: spec.actual(report) ?? '–',
      status: failedWarning ? '⚠️ warn' : STATUS_LABEL[result.status],
      checkId: spec.checkId,
    });
  }
  return rows;
}

function describeTarget(result: CheckResult): string {
  const target = result.target;
  if (target === undefined || target === null) return '–';
  switch (result.category) {
    case 'size': return `≤ ${formatBytes(Number(target))}`;
    case 'build': return `≤ ${formatSeconds(Number(target))}`;
    case 'layers': return `≤ ${String(target)}`;
    default: return typeof target === 'string' ? target : JSON.stringify(target);
  }
}

function buildTime(report: Report): string | null {
  const { buildSeconds, buildCachedSteps, buildSteps } = report.metrics;
  if (buildSeconds === null) return null;
  return buildCachedSteps ? `${formatSeconds(buildSeconds)} (${buildCachedSteps}/${buildSteps} steps cached)` : formatSeconds(buildSeconds);
}

function nullable<T>(value: T | null, format: (value: T) => string): string | null {
  return value === null ? null : format(value);
}
