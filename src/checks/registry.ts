import type { EvidenceKey, EvidenceSet, Needed, Settings } from '../evidence/types.js';
import type { Category, CheckResult, Location, Severity } from '../model.js';
import { errorMessage } from '../util/errors.js';
import { maskSecrets } from '../util/secrets.js';
import type { Locator } from '../evidence/locate.js';

// A check is a pure function from evidence to verdicts; it never calls Docker. The registry also
// generates docs/checks.md, so the documentation of a check lives beside its code.

export interface Verdict {
  /** `error`: this finding could not be judged (a registry that did not answer): never a pass. */
  status: 'pass' | 'fail' | 'skip' | 'error';
  /** What was seen, with the numbers. */
  message: string;
  measured?: unknown;
  target?: unknown;
  location?: Location;
  /** Override the check's severity for this verdict (rare: e.g. a recommendation). */
  severity?: Severity;
  /**
   * The CIS recommendations this verdict is about, when a check covers several and this finding
   * concerns some of them only (`privileged: true` is 5.5, not 5.10). Default: the check's.
   */
  cis?: readonly string[];
  /** How to fix this finding, when the check's general remediation says less than the evidence does. */
  remediation?: string;
}

export interface CheckContext {
  settings: Settings;
  locate: Locator;
  /** Evidence that is optional to this check, present where collected. */
  evidence: EvidenceSet;
}

export interface CheckDefinition<K extends EvidenceKey = EvidenceKey> {
  id: string;
  category: Category;
  severity: Severity;
  title: string;
  /** What a pass proves. */
  proves: string;
  /** Why it matters in production. */
  why: string;
  /** The default threshold or expectation, for the docs. */
  threshold?: string;
  remediation: string;
  /** hadolint rules that mean the same: a `# hadolint ignore=DLxxxx` above the line is honoured. */
  hadolint?: readonly string[];
  /** The CIS Docker Benchmark v1.6.0 recommendations it proves (src/cis.ts). */
  cis?: readonly string[];
  /** Evidence without which the check cannot judge. */
  needs: readonly K[];
  run(evidence: Needed<K>, context: CheckContext): Verdict | Verdict[];
}

export function defineCheck<const K extends EvidenceKey>(definition: CheckDefinition<K>): CheckDefinition<K> {
  return definition;
}

export type AnyCheck = CheckDefinition<EvidenceKey>;

export function runChecks(
  checks: readonly AnyCheck[],
  evidence: EvidenceSet,
  context: Omit<CheckContext, 'evidence'>,
): CheckResult[] {
  const results: CheckResult[] = [];
  for (const check of checks) {
    for (const verdict of runOne(check, evidence, { ...context, evidence })) {
      results.push(toResult(check, verdict));
    }
  }
  return results;
}

type Outcome = Verdict | { status: 'error'; message: string };

function runOne(check: AnyCheck, evidence: EvidenceSet, context: CheckContext): Outcome[] {
  const needed: Partial<Record<EvidenceKey, unknown>> = {};
  for (const key of check.needs) {
    const piece = evidence[key];
    if (piece.state === 'skipped') return [{ status: 'skip', message: piece.reason }];
    if (piece.state === 'failed')
      return [{ status: 'error', message: `could not collect ${key} evidence: ${piece.error}` }];
    needed[key] = piece.value;
  }
  try {
    const verdicts = check.run(needed as Needed<EvidenceKey>, context);
    return Array.isArray(verdicts) ? verdicts : [verdicts];
  } catch (error) {
    // A check that throws has a bug; say so rather than pretend a verdict.
    return [{ status: 'error', message: `the check itself failed: ${errorMessage(error)}` }];
  }
}

function toResult(check: AnyCheck, outcome: Outcome): CheckResult {
  const verdict = outcome as Verdict;
  const result: CheckResult = {
    id: check.id,
    category: check.category,
    severity: verdict.severity ?? check.severity,
    status: outcome.status,
    title: check.title,
    // Messages echo commands and values from files and images: no credential leaves here.
    message: maskSecrets(outcome.message),
  };
  if (verdict.measured !== undefined) result.measured = masked(verdict.measured);
  if (verdict.target !== undefined) result.target = masked(verdict.target);
  if (verdict.location) result.location = verdict.location;
  const cis = verdict.cis ?? check.cis;
  if (cis && cis.length > 0) result.cis = [...cis];
  if (outcome.status === 'fail') result.remediation = verdict.remediation ?? check.remediation;
  return result;
}

/** A measured or expected value as reported: every text in it (`{ pid1: 'redis-server --requirepass …' }`) masked. */
function masked(value: unknown): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (Array.isArray(value)) return value.map(masked);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, masked(item)]));
  return value;
}
