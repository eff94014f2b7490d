import { ALL_CHECKS } from './checks/index.js';
import { applyConfigIgnores } from './checks/config-ignores.js';
import { applyInlineIgnores } from './checks/inline-ignores.js';
import { createLocator, type Locator } from './evidence/locate.js';
import { runChecks } from './checks/registry.js';
import { valueOf } from './evidence/collected.js';
import type { EvidenceSet } from './evidence/types.js';
import type { Settings } from './inputs/definitions.js';
import type { CheckResult, ConfigIgnore } from './model.js';
import { UsageError } from './util/errors.js';

// Evidence → verdicts, the one place that does it (the run, the tests and the benchmark call it):
// every check, then the Dockerfile's inline ignores, then the configured ones.

export interface Judgement {
  results: CheckResult[];
  /** Where in the Dockerfile each finding belongs; also which layers are the base image's. */
  locate: Locator;
}

export function judgeEvidence(
  evidence: EvidenceSet,
  settings: Settings,
  ignores: ConfigIgnore[] = [],
  knownBaseLayers: string[] = [],
): Judgement {
  const locate = locateEvidence(evidence, knownBaseLayers);
  const judged = runChecks(ALL_CHECKS, evidence, { settings, locate });
  const inline = applyInlineIgnores(judged, valueOf(evidence.dockerfile), ALL_CHECKS);
  const results = applyConfigIgnores(inline, ignores, new Date().toISOString().slice(0, 10));
  return { results, locate };
}

/**
 * Where in the Dockerfile each finding belongs and which layers are the base image's: built from
 * the evidence alone (no check runs), so the run learns a target's base layers for its baseline
 * without judging it before its compose stack's evidence is in.
 */
export function locateEvidence(evidence: EvidenceSet, knownBaseLayers: string[] = []): Locator {
  return createLocator(
    valueOf(evidence.dockerfile),
    valueOf(evidence.filesystem),
    valueOf(evidence.image),
    knownBaseLayers,
  );
}

/** An ignore for a check that does not exist is a typo that would silence nothing: say so first. */
export function validateIgnores(ignores: ConfigIgnore[]): void {
  const known = new Set(ALL_CHECKS.map((check) => check.id));
  const unknown = ignores.find((ignore) => !known.has(ignore.id));
  if (unknown)
    throw new UsageError(`config ${unknown.source}: ignores: no check has the id ${unknown.id} (see docs/checks.md)`);
}
