import { cisCoverage, cisOfChecks } from './cis-coverage.js';
import type { AnyCheck } from '../checks/registry.js';
import type { Locator } from '../evidence/locate.js';
import { valueOf } from '../evidence/collected.js';
import type { EvidenceSet } from '../evidence/types.js';
import {
  SEVERITIES,
  type BaselineReport,
  type CheckResult,
  type FailOn,
  type Report,
  type ReportedCheck,
  type Severity,
  type Target,
  type TargetKind,
  type TargetReport,
} from '../model.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { metricsOf } from './metrics.js';
import { proposeSecurityContext } from './security-context.js';

export interface TargetParts {
  name: string;
  kind: TargetKind;
  target: Target;
  evidence: EvidenceSet;
  locate: Locator;
  results: CheckResult[];
  failOn: FailOn;
  timings: Record<string, number>;
  baseline: BaselineReport | null;
  /** One platform of a build proven for several: the target's name without the platform. */
  platformOf?: string;
}

export function buildTargetReport(parts: TargetParts): TargetReport {
  const metrics = metricsOf(parts.evidence, parts.locate);
  return {
    name: parts.name,
    kind: parts.kind,
    target: parts.target,
    engine: valueOf(parts.evidence.engine) ?? null,
    passed: verdictWord(parts.results, parts.failOn) === 'passed',
    metrics,
    checks: parts.results,
    baseline: parts.baseline,
    timings: { ...parts.timings },
    securityContext: proposeSecurityContext(parts.evidence, parts.results, metrics),
    ...(parts.platformOf ? { platformOf: parts.platformOf } : {}),
  };
}

export interface RunParts {
  targets: TargetReport[];
  /** The checks the run knows (their CIS recommendations, for the coverage table). */
  checks: readonly AnyCheck[];
  failOn: FailOn;
  notes: string[];
  timings: Record<string, number>;
}

/**
 * The run's report: its targets, one verdict over all of them, and the version 1 fields (a
 * single target's, exactly as version 1 wrote them; for several, every check named by target).
 */
export function buildRunReport(parts: RunParts): Report {
  const { targets, failOn } = parts;
  const only = targets.length === 1 ? targets[0] : null;
  const checks: ReportedCheck[] = only
    ? only.checks
    : targets.flatMap((target) => target.checks.map((check) => ({ ...check, targetName: target.name })));
  return {
    schemaVersion: 3,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    engine: targets.map((target) => target.engine).find((engine) => engine !== null) ?? null,
    target: only?.target ?? null,
    passed: verdictWord(checks, failOn) === 'passed',
    failOn,
    metrics: only?.metrics ?? null,
    checks,
    baseline: only?.baseline && !only.baseline.absent ? only.baseline.metrics : null,
    baselineLabel: only?.baseline?.label ?? null,
    timings: only ? { ...parts.timings, ...only.timings } : { ...parts.timings },
    targets,
    cis: cisCoverage(
      targets.flatMap((target) => target.checks),
      cisOfChecks(parts.checks),
    ),
    // Said once: the same note from several places (or matrix jobs) is one note.
    notes: [...new Set(parts.notes)],
  };
}

/** Severities that count under fail-on: `error` counts errors only; `warning` both; `never` none. */
export function gatingSeverities(failOn: FailOn): Severity[] {
  if (failOn === 'never') return [];
  return SEVERITIES.slice(0, SEVERITIES.indexOf(failOn) + 1);
}

/**
 * `failed`: a gating check failed (exit 1). `errored`: none failed, but a gating check could not
 * run, so the image was not proven good (exit 2: never green when not true).
 */
export function verdict(results: CheckResult[], failOn: FailOn): 'passed' | 'failed' | 'errored' {
  const gating = new Set(gatingSeverities(failOn));
  const counted = results.filter((result) => gating.has(result.severity));
  if (counted.some((result) => result.status === 'fail')) return 'failed';
  if (counted.some((result) => result.status === 'error')) return 'errored';
  return 'passed';
}

/** The verdict as the reports say it: an errored one (a check could not run) is not judged, never failed or passed. */
export function verdictWord(results: CheckResult[], failOn: FailOn): 'passed' | 'failed' | 'not judged' {
  const outcome = verdict(results, failOn);
  if (outcome === 'failed') return 'failed';
  // Nothing built (a platform the builder cannot build here): not judged, whatever fail-on gates.
  if (results.some((result) => result.id === 'HARD-BUILD-001' && result.status === 'error')) return 'not judged';
  return outcome === 'errored' ? 'not judged' : outcome;
}

export const VERDICT_ICON: Record<ReturnType<typeof verdictWord>, string> = {
  passed: '✅',
  failed: '❌',
  'not judged': '⚠️',
};

/** "2 failed", "1 failed, 1 not judged", "0 failed": the targets that did not pass, by why. */
export function targetCounts(report: Pick<Report, 'targets' | 'failOn'>): string {
  const words = report.targets.map((target) => verdictWord(target.checks, report.failOn));
  const failed = words.filter((word) => word === 'failed').length;
  const unjudged = words.filter((word) => word === 'not judged').length;
  return `${failed} failed${unjudged > 0 ? `, ${unjudged} not judged` : ''}`;
}

/** The run's exit code: its checks' verdict, and 2 when a push it passed was refused by the registry. */
export function runExitCode(report: Report): 0 | 1 | 2 {
  if (report.push?.outcome === 'failed') return 2;
  return exitCodeOf(report.checks, report.failOn);
}

export function exitCodeOf(results: CheckResult[], failOn: FailOn): 0 | 1 | 2 {
  const outcome = verdict(results, failOn);
  return outcome === 'passed' ? 0 : outcome === 'failed' ? 1 : 2;
}
