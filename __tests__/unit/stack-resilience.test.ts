import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckResult, TargetReport } from '../../src/model.js';
import { resilienceRows, stackResilienceTable } from '../../src/report/stack-resilience.js';

// The summary's "Stack resilience" table from the verdicts two real compose-up runs gave on Engine
// 20.10 (recorded: the example stack, every service recovering; the crash-and-smoke fixture, a
// traceback, a service without restart policy and one that never serves again after a crash).

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const recorded = (name: string): CheckResult[] =>
  (
    JSON.parse(readFileSync(join(REPO, '__tests__/fixtures/evidence/20.10', name), 'utf8')) as {
      checks: CheckResult[];
    }
  ).checks;

describe('Stack resilience', () => {
  it('shows every service of the example stack up, back after its crash, its limits in force and its log clean', () => {
    const rows = resilienceRows(recorded('stack-resilience-example.json'));
    expect(rows.map((row) => row.service).sort()).toEqual(['app', 'postgres', 'redis', 'worker']);
    for (const row of rows) {
      expect(row.up).toMatch(/^healthy at [\d.]+ s$/);
      expect(row.crash).toMatch(/^✅ back in [\d.]+ s$/);
      expect(row.outageNoticed).toMatch(
        { app: /^✅ postgres in [\d.]+ s$/, worker: /^✅ redis in [\d.]+ s$/ }[row.service] ?? /^–$/,
      );
      expect(row.inForce).toBe('✅ as written');
      expect(row.logs).toBe('✅ clean');
    }
  });

  it('shows what failed, per service, in words', () => {
    const rows = Object.fromEntries(
      resilienceRows(recorded('stack-resilience-faults.json')).map((row) => [row.service, row]),
    );
    expect(rows.web.crash).toMatch(/^✅ back in/);
    expect(rows.web.logs).toBe('✅ clean');
    expect(rows.worker).toMatchObject({ up: 'running', crash: '❌ not restarted', logs: '❌ python traceback' });
    expect(rows.stale.crash).toBe('❌ not healthy again');
    // db stopped: web's health check ignores it, probe's notices and recovers, api's never reconnects.
    expect([rows.web.outageNoticed, rows.web.outageRecovered]).toEqual(['⚠️ db: not tested', '– db']);
    expect(rows.probe.outageRecovered).toMatch(/^✅ db in [\d.]+ s$/);
    expect(rows.api.outageNoticed).toMatch(/^✅ db in [\d.]+ s$/);
    expect(rows.api.outageRecovered).toBe('❌ db: does not reconnect');
    // Nothing written to compare: not a pass.
    expect(rows.web.inForce).toBe('– none written');
  });

  it('says how each service came up from its recorded state: running without a health check, a finished one-shot, or not up', () => {
    const up = (measured: Record<string, unknown>[], status: CheckResult['status']) =>
      resilienceRows([
        { id: 'HARD-COMPOSE-012', status, measured, message: '', category: 'compose', severity: 'error', title: '' },
      ]).map((row) => row.up);
    expect(
      up(
        [
          { service: 'db', healthyAt: 3.2, state: 'running', health: 'healthy', exitCode: 0 },
          { service: 'cache', healthyAt: null, state: 'running', health: null, exitCode: 0 },
          { service: 'migrate', healthyAt: null, state: 'exited', health: null, exitCode: 0 },
          { service: 'web', healthyAt: null, state: 'running', health: 'unhealthy', exitCode: 0 },
          { service: 'worker', healthyAt: null, state: 'exited', health: null, exitCode: 1 },
        ],
        'fail',
      ),
    ).toEqual(['healthy at 3.2 s', 'running', 'one-shot, exited 0', '❌ unhealthy', '❌ exited (exit 1)']);
  });

  it('is a table in the summary only when a stack was brought up', () => {
    const target = (checks: CheckResult[]) => ({ checks }) as TargetReport;
    const table = stackResilienceTable(target(recorded('stack-resilience-faults.json')));
    expect(table.split('\n').slice(0, 4)).toEqual([
      '### Stack resilience',
      '',
      '| Service | Up | Outage noticed | Recovered | Crash recovery | Limits in force | Logs |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    ]);
    expect(table).toContain('| worker | running | – | – | ❌ not restarted | – none written | ❌ python traceback |');
    expect(stackResilienceTable(target([]))).toBe('');
  });
});
