import type { Locator } from '../checks/locate.js';
import { valueOf } from '../evidence/collected.js';
import type { EvidenceSet } from '../evidence/types.js';
import { SEVERITIES, type CheckResult, type FailOn, type Report, type Severity, type Target } from '../model.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { metricsOf } from './metrics.js';

export interface ReportParts {
  target: Target;
  evidence: EvidenceSet;
  locate: Locator;
  results: CheckResult[];
  failOn: FailOn;
  timings: Record<string, number>;
}

export function buildReport(parts: ReportParts): Report {
  return {
    schemaVersion: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    engine: valueOf(parts.evidence.engine) ?? null,
    target: parts.target,
    passed: verdict(parts.results, parts.failOn) === 'passed',
    failOn: parts.failOn,
    metrics: metricsOf(parts.evidence, parts.locate),
    checks: parts.results,
    baseline: null,
    baselineLabel: null,
    timings: { ...parts.timings },
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

export function exitCodeOf(results: CheckResult[], failOn: FailOn): 0 | 1 | 2 {
  const outcome = verdict(results, failOn);
  return outcome === 'passed' ? 0 : outcome === 'failed' ? 1 : 2;
}
