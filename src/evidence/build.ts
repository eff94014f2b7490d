import type { BuildStep } from '../docker/rawjson.js';

// The record of one build, as the checks see it (no engine types).

export interface BuildStepRecord {
  name: string;
  cached: boolean;
  seconds: number | null;
  error: string | null;
}

export interface BuildEvidence {
  ok: boolean;
  imageId: string | null;
  /** Wall time of the build, without the tool's own layout export (`layoutExportSeconds`). */
  seconds: number;
  noCache: boolean;
  /** Seconds BuildKit spent writing the layout the tool reads the files from; absent: none written. */
  layoutExportSeconds?: number;
  steps: BuildStepRecord[];
  logTail: string;
}

export function toStepRecords(steps: BuildStep[]): BuildStepRecord[] {
  return steps.map((step) => ({
    name: step.name,
    cached: step.cached,
    seconds: step.started !== null && step.completed !== null ? (step.completed - step.started) / 1000 : null,
    error: step.error,
  }));
}
