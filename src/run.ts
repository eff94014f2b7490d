import { runBaseline } from './baseline.js';
import type { RunControl } from './evidence/collect.js';
import type { Options } from './inputs/resolve.js';
import type { Report } from './model.js';
import { runPipeline } from './pipeline.js';
import type { Progress } from './progress.js';

// One run as the CLI and the action make it: the image under test, then the baseline when one
// is asked for. The report carries the baseline's metrics; the summary gets the whole baseline.

export interface RunResult {
  report: Report;
  baseline: Report | null;
}

export async function runAll(options: Options, progress: Progress, control: RunControl): Promise<RunResult> {
  const { report, baseLayers } = await runPipeline(options, progress, control);
  const baseline = await runBaseline(options, progress, control, baseLayers);
  if (!baseline) return { report, baseline: null };
  return {
    report: { ...report, baseline: baseline.report.metrics, baselineLabel: baseline.label },
    baseline: baseline.report,
  };
}
