import { ALL_CHECKS } from './checks/index.js';
import { glob, readFile } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';
import { engineKey } from './evidence/engine.js';
import { emptyMetrics, type FailOn, type Report, type TargetReport } from './model.js';
import { buildRunReport, verdictWord } from './report/build-report.js';
import { UsageError, errorMessage } from './util/errors.js';
import { maskSecrets } from './util/secrets.js';

// Matrix jobs merged into one verdict: each job proves its share of the targets and keeps its JSON
// report; `merge` reads them all and makes the one report a single run over every target would
// have made — the same summary, comment, SARIF and exit code. A report of version 2 (before the
// platforms' fields) is one of version 3 without them; one of version 1 (one target, before
// `targets` existed) is read as that one target. The merged report is of version 3.

export interface MergeRequest {
  /** Report files or glob patterns (`hardening-*.json`), relative to `cwd`. */
  patterns: string[];
  cwd: string;
  /** The gate of the merged run; by default the reports' own (the strictest, when they differ). */
  failOn?: FailOn;
}

const ORDER: FailOn[] = ['never', 'error', 'warning'];

export async function mergeReports(request: MergeRequest): Promise<Report> {
  const files = await expand(request.patterns, request.cwd);
  if (files.length === 0)
    throw new UsageError(
      `merge: no report matches ${request.patterns.join(', ')}; give the JSON reports of the runs to merge`,
    );
  const reports = await Promise.all(files.map(readReport));
  const targets: TargetReport[] = [];
  const from = new Map<string, string>();
  for (const [index, report] of reports.entries()) {
    for (const target of report.targets) {
      const seen = from.get(target.name);
      if (seen)
        throw new UsageError(
          `merge: target '${target.name}' is in ${seen} and ${files[index]}; each run must prove its own share`,
        );
      from.set(target.name, files[index]);
      targets.push(target);
    }
  }
  const failOns = [...new Set(reports.map((report) => report.failOn))];
  const failOn = request.failOn ?? [...failOns].sort((a, b) => ORDER.indexOf(b) - ORDER.indexOf(a))[0];
  const notes = reports.flatMap((report) => report.notes);
  if (!request.failOn && failOns.length > 1)
    notes.push(
      `the reports were judged with fail-on ${failOns.join(', ')}: the merged verdict uses the strictest, ${failOn}`,
    );
  const engines = [...new Set(targets.flatMap((target) => (target.engine ? [engineKey(target.engine)] : [])))];
  if (engines.length > 1)
    notes.push(
      `the targets were proven on different engines (${engines.join(', ')}): each target's report names its own`,
    );
  // Each target judged again under the merged gate; a report of an older version may echo a
  // credential in a message, which no merged output repeats.
  const judged = targets.map((target) => ({
    ...target,
    checks: target.checks.map((check) => ({ ...check, message: maskSecrets(check.message) })),
    passed: verdictWord(target.checks, failOn) === 'passed',
  }));
  return buildRunReport({ targets: judged, checks: ALL_CHECKS, failOn, notes, timings: {} });
}

async function expand(patterns: string[], cwd: string): Promise<string[]> {
  const files: string[] = [];
  for (const pattern of patterns) {
    if (!/[*?[{]/.test(pattern)) {
      files.push(isAbsolute(pattern) ? pattern : resolve(cwd, pattern));
      continue;
    }
    const matches: string[] = [];
    for await (const match of glob(pattern, { cwd })) matches.push(resolve(cwd, match));
    // Numbers in names sort as numbers: hardening-2 before hardening-10.
    files.push(...matches.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
  }
  // The order given is the order of the targets; a glob's matches come in name order.
  return [...new Set(files)];
}

async function readReport(file: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `merge: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`,
      { cause: error },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`merge: ${file} is not JSON (${errorMessage(error)}); give the report-file of a run`, {
      cause: error,
    });
  }
  const report = (parsed ?? {}) as { schemaVersion?: unknown; targets?: unknown; checks?: unknown; target?: unknown };
  // Version 3 only added optional fields (target.platform, platformOf, metrics.emulated).
  if ((report.schemaVersion === 3 || report.schemaVersion === 2) && Array.isArray(report.targets))
    return { ...(report as unknown as Report), schemaVersion: 3 };
  if (report.schemaVersion === 1 && Array.isArray(report.checks) && report.target)
    return fromVersion1(report as unknown as Version1, file);
  throw new UsageError(
    `merge: ${file} is not a cs-docker-hardening report (schemaVersion ${JSON.stringify(report.schemaVersion ?? null)}); give the report-file of a run`,
  );
}

type Version1 = Omit<Report, 'schemaVersion' | 'targets' | 'notes'> & {
  schemaVersion: 1;
  target: NonNullable<Report['target']>;
};

/** A version 1 report is one target; its baseline kept its figures only, not its checks. */
function fromVersion1(report: Version1, file: string): Report {
  const target: TargetReport = {
    name: report.target.context ?? report.target.image ?? basename(file, '.json'),
    kind: report.target.dockerfile ? 'build' : 'image',
    target: report.target,
    engine: report.engine ?? null,
    passed: report.passed,
    metrics: report.metrics ?? emptyMetrics(),
    checks: report.checks,
    baseline: report.baseline
      ? { label: report.baselineLabel ?? 'baseline', metrics: report.baseline, checks: [] }
      : null,
    timings: report.timings ?? {},
  };
  return buildRunReport({ targets: [target], checks: ALL_CHECKS, failOn: report.failOn, notes: [], timings: {} });
}
