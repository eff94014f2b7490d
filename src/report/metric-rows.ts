import type { CheckResult, Judged } from '../model.js';
import { formatBytes, formatSeconds } from '../util/format.js';

// The production checklist's "Performance Metrics" tables, row by row: which measured figure, against which
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
  /** Which of the run's parts measured it, when emulation changes the figure (times, CPU, memory). */
  emulated?: 'build' | 'runtime';
  actual(report: Judged): string | null;
  target(result: CheckResult): string;
}

const bytesTarget = (result: CheckResult): string =>
  typeof result.target === 'number' ? `≤ ${formatBytes(result.target)}` : '–';
const numberTarget = (result: CheckResult, unit: string): string =>
  typeof result.target === 'number' ? `≤ ${result.target}${unit}` : '–';
const seconds = (result: CheckResult): string =>
  typeof result.target === 'number' ? `≤ ${formatSeconds(result.target)}` : '–';

const ROWS: RowSpec[] = [
  {
    label: 'Build time (clean)',
    checkId: 'HARD-BUILD-002',
    emulated: 'build',
    actual: (r) => buildTime(r),
    target: seconds,
  },
  {
    label: 'Build time (cached)',
    checkId: 'HARD-CACHE-001',
    actual: (r) => nullable(r.metrics.cachedBuildSeconds, formatSeconds),
    target: seconds,
  },
  {
    label: 'Image size (unpacked)',
    checkId: 'HARD-SIZE-001',
    actual: (r) => nullable(r.metrics.imageSizeBytes, formatBytes),
    target: (c) => bytesTarget(c),
  },
  {
    label: 'Image size (compressed, pulled)',
    checkId: 'HARD-SIZE-002',
    actual: (r) => nullable(r.metrics.compressedSizeBytes, formatBytes),
    target: (c) => (typeof c.target === 'number' ? bytesTarget(c) : 'no limit'),
  },
  {
    label: 'Layers',
    checkId: 'HARD-LAYERS-001',
    actual: (r) => nullable(r.metrics.layers, String),
    target: (c) => numberTarget(c, ''),
  },
  {
    label: 'Container startup',
    emulated: 'runtime',
    checkId: 'HARD-STARTUP-002',
    actual: (r) => nullable(r.metrics.startupSeconds, formatSeconds),
    target: seconds,
  },
  {
    label: 'Health check interval / timeout',
    checkId: 'HARD-HEALTH-005',
    actual: (r) => healthTiming(r),
    target: () => '30 s / 10 s',
  },
  {
    label: 'Memory usage (idle)',
    emulated: 'runtime',
    checkId: 'HARD-MEMORY-001',
    actual: (r) => nullable(r.metrics.idleMemoryBytes, formatBytes),
    target: (c) => bytesTarget(c),
  },
  {
    label: 'CPU usage (idle)',
    emulated: 'runtime',
    checkId: 'HARD-CPU-001',
    actual: (r) => nullable(r.metrics.idleCpu, (cpu) => `${cpu.toFixed(3)} CPU`),
    target: (c) => numberTarget(c, ' CPU'),
  },
  {
    label: 'Stop time',
    checkId: 'HARD-SHUTDOWN-001',
    emulated: 'runtime',
    actual: (r) => stopTime(r),
    target: seconds,
  },
  {
    label: 'Runs as',
    checkId: 'HARD-USER-003',
    actual: (r) => nullable(r.metrics.runUid, (uid) => `UID ${uid}`),
    target: (c) => (typeof c.target === 'number' ? `UID ${c.target}` : 'non-zero UID'),
  },
];

export const STATUS_LABEL: Record<CheckResult['status'], string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  skip: '➖ skip',
  error: '⚠️ error',
};

export function metricRows(report: Judged): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const spec of ROWS) {
    const result = report.checks.find((check) => check.id === spec.checkId);
    const actual = result ? spec.actual(report) : null;
    // A row says something only with a value or a verdict: not for what was never measured.
    if (!result || (actual === null && result.status === 'skip')) continue;
    // A measurement without a limit is shown as what it is: information, not a verdict.
    const informational = result.status === 'skip' && actual !== null && result.target === undefined;
    const failedWarning = result.status === 'fail' && result.severity !== 'error';
    // A figure measured under emulation is never shown bare: it reads worse than the platform's own.
    const emulated = actual !== null && spec.emulated && report.metrics.emulated?.[spec.emulated];
    rows.push({
      label: spec.label,
      target: spec.target(result),
      actual: emulated ? `${actual} (emulated)` : (actual ?? '–'),
      status: failedWarning ? '⚠️ warn' : informational ? 'ℹ️ info' : STATUS_LABEL[result.status],
      checkId: spec.checkId,
    });
  }
  return rows;
}

function buildTime(report: Judged): string | null {
  const { buildSeconds, buildCachedSteps, buildSteps } = report.metrics;
  if (buildSeconds === null) return null;
  return buildCachedSteps
    ? `${formatSeconds(buildSeconds)} (${buildCachedSteps}/${buildSteps} steps cached)`
    : formatSeconds(buildSeconds);
}

function healthTiming(report: Judged): string | null {
  const { healthInterval, healthTimeout } = report.metrics;
  if (healthInterval === null || healthTimeout === null) return null;
  return `${formatSeconds(healthInterval)} / ${formatSeconds(healthTimeout)}`;
}

function stopTime(report: Judged): string | null {
  const { stopSeconds, stopExitCode } = report.metrics;
  return stopSeconds === null ? null : `${formatSeconds(stopSeconds)} (exit ${stopExitCode})`;
}

function nullable<T>(value: T | null, format: (value: T) => string): string | null {
  return value === null ? null : format(value);
}
