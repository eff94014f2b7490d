import { ALL_CHECKS } from './checks/index.js';
import { applyConfigIgnores } from './checks/config-ignores.js';
import { applyInlineIgnores } from './checks/ignores.js';
import { UsageError } from './util/errors.js';
import { createLocator, type Locator } from './checks/locate.js';
import { runChecks } from './checks/registry.js';
import { collectEvidence, type RunControl } from './evidence/collect.js';
import { valueOf } from './evidence/collected.js';
import type { EvidenceSet } from './evidence/types.js';
import type { Settings } from './inputs/definitions.js';
import type { ConfigIgnore } from './inputs/config-file.js';
import type { Options } from './inputs/resolve.js';
import type { CheckResult, Report } from './model.js';
import type { Progress } from './progress.js';
import { buildReport } from './report/build-report.js';

// The whole run, in one direction: inputs → evidence → checks → report.

export interface PipelineResult {
  report: Report;
  /** Content digests of the base image's layers, when they could be told apart (for a baseline). */
  baseLayers: string[];
}

export async function runPipeline(options: Options, progress: Progress, control: RunControl): Promise<PipelineResult> {
  validateIgnores(options);
  const { evidence, target } = await collectEvidence(options, progress, control);
  const { results, locate } = judge(evidence, options.settings, options.ignores, options.knownBaseLayers);
  return {
    report: buildReport({
      target,
      evidence,
      locate,
      results,
      failOn: options.settings.failOn,
      timings: progress.timings,
    }),
    baseLayers: locate.baseLayerDigests(),
  };
}

/** Evidence → verdicts: every check, then the Dockerfile's inline ignores and the configured ones. */
export function judge(
  evidence: EvidenceSet,
  settings: Settings,
  ignores: ConfigIgnore[] = [],
  knownBaseLayers?: string[],
): { results: CheckResult[]; locate: Locator } {
  const locate = createLocator(
    valueOf(evidence.dockerfile),
    valueOf(evidence.filesystem),
    valueOf(evidence.image),
    knownBaseLayers,
  );
  const judged = runChecks(ALL_CHECKS, evidence, { settings, locate });
  const results = applyConfigIgnores(
    applyInlineIgnores(judged, valueOf(evidence.dockerfile), ALL_CHECKS),
    ignores,
    new Date().toISOString().slice(0, 10),
  );
  return { results, locate };
}

/** An ignore for a check that does not exist is a typo that would silence nothing: say so first. */
function validateIgnores(options: Options): void {
  const known = new Set(ALL_CHECKS.map((check) => check.id));
  const unknown = options.ignores.find((ignore) => !known.has(ignore.id));
  if (unknown)
    throw new UsageError(`config ${unknown.source}: ignores: no check has the id ${unknown.id} (see docs/checks.md)`);
}
