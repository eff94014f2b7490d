import { ALL_CHECKS } from './checks/index.js';
import { applyInlineIgnores } from './checks/ignores.js';
import { createLocator } from './checks/locate.js';
import { runChecks } from './checks/registry.js';
import { collectEvidence, type RunControl } from './evidence/collect.js';
import { valueOf } from './evidence/collected.js';
import type { Options } from './inputs/resolve.js';
import type { Report } from './model.js';
import type { Progress } from './progress.js';
import { buildReport } from './report/build-report.js';

// The whole run, in one direction: inputs → evidence → checks → report.

export async function runPipeline(options: Options, progress: Progress, control: RunControl): Promise<Report> {
  const { evidence, target } = await collectEvidence(options, progress, control);
  const locate = createLocator(valueOf(evidence.dockerfile), valueOf(evidence.filesystem));
  const results = applyInlineIgnores(runChecks(ALL_CHECKS, evidence, { settings: options.settings, locate }), valueOf(evidence.dockerfile), ALL_CHECKS);
  return buildReport({ target, evidence, results, failOn: options.settings.failOn, timings: progress.timings });
}
