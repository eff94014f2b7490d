import type { Judged, SizeBreakdown } from '../model.js';
import { metricRows, type MetricRow } from './metric-rows.js';
import { sizeDelta } from './security-rows.js';

// The other tables of the production checklist: size breakdown (Component | Before | After | Savings), build and
// runtime performance (Metric | Target | Actual | Status), and the success criteria checklist.

export interface SizeRow {
  component: string;
  before: number | null;
  after: number | null;
  savings: string | null;
}

const COMPONENTS: { component: string; key: keyof SizeBreakdown }[] = [
  { component: 'Base image', key: 'baseImageBytes' },
  { component: 'System packages', key: 'systemPackagesBytes' },
  { component: 'Build tools', key: 'buildToolsBytes' },
  { component: 'Language packages', key: 'languagePackagesBytes' },
  { component: 'Application code', key: 'applicationCodeBytes' },
  { component: 'Deleted by later layers, still shipped', key: 'shadowedBytes' },
];

export function sizeRows(report: Judged, baseline: Judged | null): SizeRow[] {
  const after = report.metrics.sizeBreakdown;
  const before = baseline?.metrics.sizeBreakdown ?? null;
  if (!after) return [];
  const rows: SizeRow[] = COMPONENTS.filter(
    ({ key }) => key !== 'shadowedBytes' || (after[key] ?? 0) > 0 || (before?.[key] ?? 0) > 0,
  ).map(({ component, key }) => {
    const now = after[key];
    const then = before ? before[key] : null;
    return { component, before: then, after: now, savings: now !== null && then !== null ? savings(now, then) : null };
  });
  const total = report.metrics.imageSizeBytes;
  const totalBefore = baseline?.metrics.imageSizeBytes ?? null;
  rows.push({
    component: 'Total (unpacked image size)',
    before: totalBefore,
    after: total,
    savings: totalBefore !== null && total !== null ? savings(total, totalBefore) : null,
  });
  return rows;
}

/** Savings as the production checklist writes them: what the change removed (a growth shows as +). */
function savings(after: number, before: number): string {
  return sizeDelta(after, before);
}

const BUILD = new Set(['HARD-BUILD-002', 'HARD-CACHE-001', 'HARD-SIZE-001', 'HARD-SIZE-002', 'HARD-LAYERS-001']);

export function performanceRows(report: Judged): { build: MetricRow[]; runtime: MetricRow[] } {
  const rows = metricRows(report).filter((row) => row.checkId !== 'HARD-USER-003');
  return {
    build: rows.filter((row) => BUILD.has(row.checkId)),
    runtime: rows.filter((row) => !BUILD.has(row.checkId)),
  };
}

export interface Criterion {
  text: string;
  met: boolean;
  /** Why it is not ticked: the failing or unmeasured checks. */
  why: string | null;
}

const CRITERIA: { text: (report: Judged) => string; checks: string[] }[] = [
  { text: () => 'Multi-stage build (builder + runtime stages)', checks: ['HARD-DOCKERFILE-001'] },
  { text: expectedUser, checks: ['HARD-USER-003', 'HARD-USER-002'] },
  {
    text: () => 'Security hardening (COPY --chown, proper permissions, no setuid files)',
    checks: ['HARD-FILESYSTEM-002', 'HARD-FILESYSTEM-001', 'HARD-DOCKERFILE-013'],
  },
  { text: (report) => `Image size optimized (target ≤ ${limitMb(report)})`, checks: ['HARD-SIZE-001'] },
  {
    text: () => 'Real health check (passes while the service runs, fails when it is down)',
    checks: ['HARD-HEALTH-003', 'HARD-HEALTH-004'],
  },
  { text: () => '.dockerignore file created', checks: ['HARD-DOCKERIGNORE-001'] },
  {
    text: () => 'docker-compose.yml enhanced (health checks, resource limits, logging)',
    checks: ['HARD-COMPOSE-001', 'HARD-COMPOSE-004', 'HARD-COMPOSE-005'],
  },
];

function expectedUser(report: Judged): string {
  const target = report.checks.find((result) => result.id === 'HARD-USER-002' && result.status !== 'skip')?.target as
    { name?: string | null; uid?: number | null } | undefined;
  const who = [
    target?.name ? `\`${target.name}\`` : null,
    target?.uid !== undefined && target.uid !== null ? `(UID ${target.uid})` : null,
  ]
    .filter(Boolean)
    .join(' ');
  return `Non-root user${who ? ` ${who}` : ''}`;
}

function limitMb(report: Judged): string {
  const target = report.checks.find((result) => result.id === 'HARD-SIZE-001')?.target;
  return typeof target === 'number' ? `${Math.round(target / 1e6)} MB` : 'the limit';
}

/**
 * Each criterion is ticked only when every check behind it passed (HARD-USER-002 only when an
 * expectation was given).
 */
export function successCriteria(report: Judged): Criterion[] {
  return CRITERIA.map((criterion) => {
    const results = criterion.checks
      .flatMap((id) => report.checks.filter((result) => result.id === id))
      .filter((result) => !(result.id === 'HARD-USER-002' && result.status === 'skip'));
    const open = results.filter((result) => result.status !== 'pass');
    const missing = criterion.checks.filter(
      (id) => id !== 'HARD-USER-002' && !results.some((result) => result.id === id),
    );
    const met = results.length > 0 && open.length === 0 && missing.length === 0;
    const why = met
      ? null
      : [
          ...new Set([
            ...open.map(
              (result) =>
                `${result.id} ${result.status === 'skip' ? 'not measured' : result.status === 'error' ? 'could not run' : 'failed'}`,
            ),
            ...missing.map((id) => `${id} not run`),
          ]),
        ].join(', ');
    return { text: criterion.text(report), met, why };
  });
}
