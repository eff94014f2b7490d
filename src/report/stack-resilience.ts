import type { CheckResult, TargetReport } from '../model.js';
import { escapeMarkdown } from '../util/escape.js';

// The "Stack resilience" table of a target whose stack compose-up brought up: one row per service,
// from the verdicts of the stack's checks (each message starts with the service's name): how it
// came up (HARD-COMPOSE-012), whether its health check noticed each dependency's outage and
// recovered (-020), how it recovered from a crash (-019), whether its limits and security settings
// are in force (-016), whether its log is clean (-017). Only what was measured is shown; a
// column whose check did not run for the service reads "–", never a pass.

export interface ResilienceRow {
  service: string;
  up: string;
  outageNoticed: string;
  outageRecovered: string;
  crash: string;
  inForce: string;
  logs: string;
}

const GOOD = '✅';
const BAD = '❌';
const WARN = '⚠️';

export function resilienceRows(checks: CheckResult[]): ResilienceRow[] {
  const stack = checks.find((check) => check.id === 'HARD-COMPOSE-012');
  const services = Array.isArray(stack?.measured)
    ? (stack.measured as {
        service: string;
        healthyAt: number | null;
        state?: string;
        health?: string | null;
        exitCode?: number;
      }[])
    : [];
  if (services.length === 0) return [];
  const about = (id: string, service: string): CheckResult[] =>
    checks.filter((check) => check.id === id && check.message.startsWith(`${service}: `));
  const after = (result: CheckResult): string => result.message.slice(result.message.indexOf(': ') + 2);
  return services.map(({ service, healthyAt, state, health, exitCode }) => ({
    service,
    up: upCell(healthyAt, state, health, exitCode, stack!.status === 'pass'),
    ...outageCells(checks.filter((check) => check.id === 'HARD-COMPOSE-020' && outageOf(check)?.service === service)),
    crash: crashCell(about('HARD-COMPOSE-019', service)),
    inForce: verdictCell(about('HARD-COMPOSE-016', service), 'as written', (failed) =>
      failed.map((result) => after(result).split(' written ')[0]).join(', '),
    ),
    logs: logsCell(about('HARD-COMPOSE-017', service)),
  }));
}

/** How the service came up: healthy when, running (no health check), a one-shot that finished, or not. */
function upCell(
  healthyAt: number | null,
  state: string | undefined,
  health: string | null | undefined,
  exitCode: number | undefined,
  stackUp: boolean,
): string {
  if (healthyAt !== null) return `healthy at ${healthyAt.toFixed(1)} s`;
  if (state === undefined) return stackUp ? 'running' : `${BAD} not healthy`; // a report from before state was recorded
  if (state === 'running' && (health === null || health === undefined)) return 'running';
  if (state === 'exited' && exitCode === 0 && (health === null || health === undefined)) return 'one-shot, exited 0';
  return `${BAD} ${health ?? state}${state === 'exited' ? ` (exit ${exitCode ?? '?'})` : ''}`;
}

interface Outage {
  service: string;
  dependency: string;
  outcome: string;
  noticedAfter: number | null;
  recoveredAfter: number | null;
}

const outageOf = (check: CheckResult): Outage | null => {
  const measured = check.measured as Partial<Outage> | undefined;
  return measured && typeof measured.service === 'string' && typeof measured.dependency === 'string'
    ? (measured as Outage)
    : null;
};

/** Per dependency: noticed in how long, recovered in how long; "–" where not judged. */
function outageCells(results: CheckResult[]): { outageNoticed: string; outageRecovered: string } {
  const outages = results.map(outageOf).filter((outage): outage is Outage => outage !== null);
  if (outages.length === 0) return { outageNoticed: '–', outageRecovered: '–' };
  const noticed = outages.map((outage) =>
    outage.noticedAfter !== null
      ? `${GOOD} ${outage.dependency} in ${outage.noticedAfter.toFixed(1)} s`
      : outage.outcome === 'not noticed'
        ? `${WARN} ${outage.dependency}: not tested`
        : `– ${outage.dependency}`,
  );
  const recovered = outages.map((outage) =>
    outage.outcome === 'noticed and recovered'
      ? `${GOOD} ${outage.dependency} in ${(outage.recoveredAfter ?? 0).toFixed(1)} s`
      : outage.outcome === 'not recovered'
        ? `${BAD} ${outage.dependency}: does not reconnect`
        : outage.outcome === 'restarted'
          ? `${WARN} ${outage.dependency}: only by restarting`
          : `– ${outage.dependency}`,
  );
  return { outageNoticed: noticed.join(', '), outageRecovered: recovered.join(', ') };
}

function crashCell(results: CheckResult[]): string {
  const [result] = results;
  if (!result) return '–';
  const measured = result.measured as { healthyAfter?: number | null; outcome?: string } | undefined;
  if (result.status === 'pass') return `${GOOD} back in ${(measured?.healthyAfter ?? 0).toFixed(1)} s`;
  if (result.status === 'fail') return `${BAD} ${measured?.outcome ?? 'does not recover'}`;
  return `– ${measured?.outcome ?? 'not judged'}`;
}

function verdictCell(results: CheckResult[], passed: string, failed: (results: CheckResult[]) => string): string {
  if (results.length === 0) return '–';
  const failures = results.filter((result) => result.status === 'fail' || result.status === 'error');
  if (failures.length > 0) return `${BAD} ${failed(failures)}`;
  if (results.some((result) => result.status === 'pass')) return `${GOOD} ${passed}`;
  return '– none written';
}

function logsCell(results: CheckResult[]): string {
  if (results.length === 0) return '–';
  const failures = results.filter((result) => result.status === 'fail');
  const kind = (result: CheckResult): string => result.message.split(': ')[1]?.split(' at line ')[0] ?? 'a finding';
  const errors = failures.filter((result) => result.severity === 'error');
  if (errors.length > 0) return `${BAD} ${[...new Set(errors.map(kind))].join(', ')}`;
  if (failures.length > 0) return `${WARN} ${[...new Set(failures.map(kind))].join(', ')}`;
  return `${GOOD} clean`;
}

export function stackResilienceTable(target: TargetReport): string {
  const rows = resilienceRows(target.checks);
  if (rows.length === 0) return '';
  return [
    '### Stack resilience',
    '',
    '| Service | Up | Outage noticed | Recovered | Crash recovery | Limits in force | Logs |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${escapeMarkdown(row.service, 200)} | ${escapeMarkdown(row.up)} | ${escapeMarkdown(row.outageNoticed)} | ${escapeMarkdown(row.outageRecovered)} | ${escapeMarkdown(row.crash)} | ${escapeMarkdown(row.inForce)} | ${escapeMarkdown(row.logs)} |`,
    ),
  ].join('\n');
}
