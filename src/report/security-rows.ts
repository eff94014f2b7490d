import type { CheckResult, Judged } from '../model.js';
import { formatBytes, formatSeconds } from '../util/format.js';

// The production checklist's "Security Improvements Summary" (Issue | Before | After | Impact), each cell read
// from the checks that measured it. A state is good, bad or unknown; never guessed.

export type Impact = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
export type State = 'good' | 'bad' | 'unknown';

export interface Cell {
  state: State;
  text: string;
}

export interface SecurityRow {
  issue: string;
  impact: Impact;
  before: Cell | null;
  after: Cell;
  /** With a baseline: what changed ("fixed", "new", "−362.5 MB (−64%)"). */
  change: string | null;
}

const byId = (report: Judged, id: string): CheckResult[] => report.checks.filter((result) => result.id === id);
const first = (report: Judged, id: string): CheckResult | undefined => byId(report, id)[0];
const unknown = (why = 'not measured'): Cell => ({ state: 'unknown', text: `– ${why}` });

function runsAsRoot(report: Judged): Cell {
  const uid = report.metrics.runUid;
  if (uid === null) return unknown();
  return uid === 0 ? { state: 'bad', text: 'Yes (UID 0)' } : { state: 'good', text: `No (UID ${uid})` };
}

function buildTools(report: Judged): Cell {
  const results = byId(report, 'HARD-TOOLS-001');
  if (results.length === 0 || results.every((result) => result.status === 'skip' || result.status === 'error'))
    return unknown();
  const tools = results
    .filter((result) => result.status === 'fail')
    .flatMap((result) => (result.measured as { tool: string }[] | undefined)?.map((tool) => tool.tool) ?? []);
  if (tools.length === 0) return { state: 'good', text: 'No' };
  return { state: 'bad', text: `Yes (${tools.slice(0, 5).join(', ')}${tools.length > 5 ? ', …' : ''})` };
}

function imageSize(report: Judged): Cell {
  const size = report.metrics.imageSizeBytes;
  if (size === null) return unknown();
  return {
    state: first(report, 'HARD-SIZE-001')?.status === 'fail' ? 'bad' : 'good',
    text: `${formatBytes(size)} unpacked`,
  };
}

function healthCheck(report: Judged): Cell {
  const defined = first(report, 'HARD-HEALTH-001');
  const passes = first(report, 'HARD-HEALTH-003');
  const real = first(report, 'HARD-HEALTH-004');
  if (defined?.status === 'fail') return { state: 'bad', text: 'Missing' };
  if (real?.status === 'fail') return { state: 'bad', text: 'Fake (passes with the service down)' };
  if (passes?.status === 'fail') return { state: 'bad', text: 'Never passes' };
  if (real?.status === 'pass' && passes?.status === 'pass')
    return { state: 'good', text: 'Real (fails when the service is down)' };
  const declared = first(report, 'HARD-HEALTH-006');
  if (declared?.status === 'fail')
    return { state: 'bad', text: declared.message.includes('no HEALTHCHECK') ? 'Missing' : 'Fake (by its command)' };
  return unknown();
}

function signalHandling(report: Judged): Cell {
  const init = first(report, 'HARD-INIT-001');
  const stop = first(report, 'HARD-SHUTDOWN-001');
  const kind = (init?.measured as { kind?: string } | undefined)?.kind;
  const stopText =
    report.metrics.stopSeconds !== null
      ? `; docker stop ${formatSeconds(report.metrics.stopSeconds)}${report.metrics.stopExitCode === 137 ? ', killed (137)' : ''}`
      : '';
  if (!init || init.status === 'skip' || init.status === 'error') return unknown();
  const pid1 = (report.metrics.pid1 ?? '').split(' ')[0]?.replace(/^.*\//, '') || 'PID 1';
  if (kind === 'init' && stop?.status !== 'fail') return { state: 'good', text: `${pid1} as PID 1${stopText}` };
  const what = kind === 'shell' ? 'a shell' : kind === 'init' ? pid1 : `the app (${pid1})`;
  return { state: 'bad', text: `${what} as PID 1${stopText}` };
}

/** A compose property across services: all pass, some, none; unknown without compose. */
function composeCoverage(report: Judged, id: string, good: string, bad: string): Cell {
  const results = byId(report, id).filter(
    (result) => result.severity !== 'notice' && (result.status === 'pass' || result.status === 'fail'),
  );
  if (results.length === 0) return unknown('no compose file');
  const passing = results.filter((result) => result.status === 'pass').length;
  if (passing === results.length) return { state: 'good', text: `${good} (${passing} of ${results.length} services)` };
  return { state: 'bad', text: `${bad} on ${results.length - passing} of ${results.length} services` };
}

function networkIsolation(report: Judged): Cell {
  const cell = composeCoverage(report, 'HARD-COMPOSE-006', 'Custom network', 'Default network');
  if (cell.state !== 'good') return cell;
  const notInternal = byId(report, 'HARD-COMPOSE-006').some(
    (result) => result.status === 'fail' && result.severity === 'notice',
  );
  return { state: 'good', text: `${cell.text.replace(/ \(/, notInternal ? ', not internal (' : ', internal (')}` };
}

function knownVulnerabilities(report: Judged): Cell {
  const counts = report.metrics.vulnerabilities;
  if (!counts) return unknown('no scanner report');
  const failed = ['HARD-VULNERABILITIES-001', 'HARD-VULNERABILITIES-002'].some(
    (id) => first(report, id)?.status === 'fail',
  );
  return {
    state: failed ? 'bad' : 'good',
    text: `${counts.critical} critical, ${counts.high} high (${counts.fixableCritical} and ${counts.fixableHigh} with a fix)`,
  };
}

/** `optional`: left out of the table when neither Before nor After has a figure (no scanner report). */
const ROWS: { issue: string; impact: Impact; cell: (report: Judged) => Cell; optional?: boolean }[] = [
  { issue: 'Runs as root', impact: 'CRITICAL', cell: runsAsRoot },
  { issue: 'Build tools in runtime', impact: 'HIGH', cell: buildTools },
  { issue: 'Image size', impact: 'MEDIUM', cell: imageSize },
  { issue: 'Health check', impact: 'HIGH', cell: healthCheck },
  { issue: 'Signal handling', impact: 'MEDIUM', cell: signalHandling },
  {
    issue: 'Resource limits',
    impact: 'MEDIUM',
    cell: (report) => composeCoverage(report, 'HARD-COMPOSE-004', 'CPU/memory limits', 'No limits'),
  },
  {
    issue: 'Logging',
    impact: 'LOW',
    cell: (report) => composeCoverage(report, 'HARD-COMPOSE-005', 'Rotated', 'Unbounded'),
  },
  { issue: 'Network isolation', impact: 'LOW', cell: networkIsolation },
  { issue: 'Known vulnerabilities', impact: 'HIGH', cell: knownVulnerabilities, optional: true },
];

export function securityRows(report: Judged, baseline: Judged | null): SecurityRow[] {
  return ROWS.flatMap((row) => {
    const after = row.cell(report);
    const before = baseline ? row.cell(baseline) : null;
    if (row.optional && after.state === 'unknown' && (!before || before.state === 'unknown')) return [];
    return [
      {
        issue: row.issue,
        impact: row.impact,
        before,
        after,
        change: baseline ? change(row.issue, before!, after, report, baseline) : vulnerabilityChange(row.issue, report),
      },
    ];
  });
}

/** Without a Before image, the scanner's reports on both still say what the change adds and fixes. */
function vulnerabilityChange(issue: string, report: Judged): string | null {
  if (issue !== 'Known vulnerabilities') return null;
  const delta = first(report, 'HARD-VULNERABILITIES-003');
  const measured = delta?.measured as { added: unknown[]; fixed: unknown[] } | undefined;
  if (!measured || (delta?.status !== 'pass' && delta?.status !== 'fail')) return null;
  return `adds ${measured.added.length}, fixes ${measured.fixed.length}`;
}

function change(issue: string, before: Cell, after: Cell, report: Judged, baseline: Judged): string | null {
  if (issue === 'Known vulnerabilities') return vulnerabilityChange(issue, report);
  if (issue === 'Image size' && report.metrics.imageSizeBytes !== null && baseline.metrics.imageSizeBytes !== null) {
    return sizeDelta(report.metrics.imageSizeBytes, baseline.metrics.imageSizeBytes);
  }
  if (before.state === 'bad' && after.state === 'good') return 'fixed';
  if (before.state === 'good' && after.state === 'bad') return `new: ${issue.toLowerCase()}`;
  return null;
}

/** "+34.0 MB", "−362.5 MB (−64%)". */
export function sizeDelta(after: number, before: number): string {
  const delta = after - before;
  if (delta === 0) return 'unchanged';
  const sign = delta > 0 ? '+' : '−';
  const percent = before > 0 ? ` (${sign}${Math.round(Math.abs(delta / before) * 100)}%)` : '';
  return `${sign}${formatBytes(Math.abs(delta))}${percent}`;
}
