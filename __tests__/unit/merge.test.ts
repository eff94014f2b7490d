import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergeReports } from '../../src/merge-reports.js';
import type { Report, TargetReport } from '../../src/model.js';
import { exitCodeOf } from '../../src/report/build-report.js';
import { renderJobSummary } from '../../src/report/job-summary.js';
import { renderSarif } from '../../src/report/sarif.js';
import { ALL_CHECKS } from '../../src/checks/index.js';
import { UsageError } from '../../src/util/errors.js';
import { recorded, runOf, targetOf } from '../helpers/evidence.js';
import { scratchDir } from '../helpers/scratch.js';

// Matrix jobs each write the report of their share; merge must give what one run over every
// target gives: the same report, summary, SARIF and exit code (recorded evidence of both examples).

function named(target: TargetReport, name: string): TargetReport {
  return { ...target, name };
}

const hardened = named(targetOf(recorded('hardened')), 'api');
const legacy = named(targetOf(recorded('legacy')), 'legacy');
const worker = named(targetOf(recorded('hardened')), 'worker');

function write(dir: string, file: string, report: unknown): string {
  writeFileSync(join(dir, file), JSON.stringify(report));
  return file;
}

describe('merge: matrix shares into one verdict', () => {
  it('gives the report, summary, SARIF and exit code of one run over every target', async () => {
    const dir = scratchDir('merge');
    write(dir, 'hardening-1.json', runOf([hardened, legacy]));
    write(dir, 'hardening-2.json', runOf([worker]));
    const merged = await mergeReports({ patterns: ['hardening-*.json'], cwd: dir });
    const single = runOf([hardened, legacy, worker]);
    expect(merged).toEqual(single);
    expect(renderJobSummary(merged)).toBe(renderJobSummary(single));
    expect(renderSarif(merged, ALL_CHECKS)).toEqual(renderSarif(single, ALL_CHECKS));
    expect(exitCodeOf(merged.checks, merged.failOn)).toBe(1);
  });

  it('keeps a share of one target whole, as a run of that one target would report it', async () => {
    const dir = scratchDir('merge-one');
    write(dir, 'only.json', runOf([worker]));
    expect(await mergeReports({ patterns: ['only.json'], cwd: dir })).toEqual(runOf([worker]));
  });

  it('judges again under the strictest gate of the shares, or the one given, and says so', async () => {
    const dir = scratchDir('merge-gate');
    write(dir, 'a.json', runOf([hardened], 'never'));
    write(dir, 'b.json', runOf([legacy], 'error'));
    const strictest = await mergeReports({ patterns: ['a.json', 'b.json'], cwd: dir });
    expect(strictest.failOn).toBe('error');
    expect(strictest.passed).toBe(false);
    expect(strictest.notes.join('\n')).toMatch(/fail-on never, error: the merged verdict uses the strictest, error/);
    // The matrix jobs gate nothing (`fail-on: never`): the merge job gives the verdict.
    write(dir, 'c.json', runOf([legacy], 'never'));
    const gated = await mergeReports({ patterns: ['a.json', 'c.json'], cwd: dir, failOn: 'error' });
    expect(gated.targets.map((target) => target.passed)).toEqual([true, false]);
    expect(exitCodeOf(gated.checks, gated.failOn)).toBe(1);
    expect(gated.notes).toEqual([]);
  });

  it('keeps the order the reports are given in; a glob is expanded in name order', async () => {
    const dir = scratchDir('merge-order');
    write(dir, 'z.json', runOf([legacy]));
    write(dir, 'b.json', runOf([hardened]));
    write(dir, 'c.json', runOf([worker]));
    const merged = await mergeReports({ patterns: ['z.json', '[bc].json'], cwd: dir });
    expect(merged.targets.map((target) => target.name)).toEqual(['legacy', 'api', 'worker']);
  });

  it('reads a report of version 1 (one target, before targets existed) as that one target', async () => {
    const dir = scratchDir('merge-v1');
    const current = runOf([named(targetOf(recorded('legacy')), 'examples/legacy')]);
    const { targets: _targets, notes: _notes, ...rest } = current;
    const version1 = { ...rest, schemaVersion: 1 };
    write(dir, 'old.json', version1);
    write(dir, 'new.json', runOf([worker]));
    const merged = await mergeReports({ patterns: ['old.json', 'new.json'], cwd: dir });
    expect(merged.targets.map((target) => [target.name, target.passed])).toEqual([
      ['examples/legacy', false],
      ['worker', true],
    ]);
    expect(merged.targets[0].checks).toEqual(current.checks);
  });

  it('reads a report of version 2 (before the platforms) as one of version 3 without platform fields', async () => {
    const dir = scratchDir('merge-v2');
    const version2 = { ...runOf([legacy]), schemaVersion: 2 };
    const amd64: TargetReport = {
      ...named(targetOf(recorded('hardened')), 'api (linux/amd64)'),
      platformOf: 'api',
      target: { ...hardened.target, platform: 'linux/amd64' },
    };
    write(dir, 'a.json', version2);
    write(dir, 'b.json', runOf([amd64]));
    const merged = await mergeReports({ patterns: ['a.json', 'b.json'], cwd: dir });
    expect(merged.schemaVersion).toBe(3);
    expect(merged.targets.map((target) => [target.name, target.platformOf, target.target.platform])).toEqual([
      ['legacy', undefined, undefined],
      ['api (linux/amd64)', 'api', 'linux/amd64'],
    ]);
    write(dir, 'future.json', { ...runOf([worker]), schemaVersion: 4 });
    await expect(mergeReports({ patterns: ['future.json'], cwd: dir })).rejects.toThrow(
      /future\.json is not a cs-docker-hardening report \(schemaVersion 4\)/,
    );
  });

  it('refuses what would not be one run: a target in two shares, a file that is not a report, no file', async () => {
    const dir = scratchDir('merge-bad');
    write(dir, 'a.json', runOf([hardened]));
    write(dir, 'b.json', runOf([hardened]));
    writeFileSync(join(dir, 'broken.json'), '{"schemaVersion": 3, "targ');
    write(dir, 'other.json', { version: '2.1.0', runs: [] });
    const failure = (patterns: string[]): Promise<unknown> => mergeReports({ patterns, cwd: dir });
    await expect(failure(['a.json', 'b.json'])).rejects.toThrow(
      /target 'api' is in .*a\.json and .*b\.json; each run must prove its own share/,
    );
    await expect(failure(['broken.json'])).rejects.toThrow(/broken\.json is not JSON/);
    await expect(failure(['other.json'])).rejects.toThrow(/other\.json is not a cs-docker-hardening report/);
    await expect(failure(['missing.json'])).rejects.toThrow(/cannot read .*missing\.json \(ENOENT\)/);
    await expect(failure(['none-*.json'])).rejects.toThrow(/no report matches none-\*\.json/);
    await expect(failure(['a.json', 'b.json'])).rejects.toBeInstanceOf(UsageError);
  });

  it('notes targets proven on different engines', async () => {
    const dir = scratchDir('merge-engines');
    const old = named(targetOf(recorded('hardened', '20.10-overlay2')), 'old-engine');
    write(dir, 'a.json', runOf([hardened]));
    write(dir, 'b.json', runOf([old]));
    const merged: Report = await mergeReports({ patterns: ['*.json'], cwd: dir });
    expect(merged.notes.join('\n')).toMatch(/proven on different engines \(28\.5-containerd, 20\.10-overlay2\)/);
  });
});
