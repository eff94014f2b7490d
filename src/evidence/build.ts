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
  seconds: number;
  noCache: boolean;
  steps: BuildStepRecord[];
  logTail: string;
}
