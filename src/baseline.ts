import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { RunControl } from './evidence/collect.js';
import type { Options } from './inputs/resolve.js';
import type { Report } from './model.js';
import { runPipeline } from './pipeline.js';
import type { Progress } from './progress.js';
import { UsageError } from './util/errors.js';
import { runProcess } from './util/process.js';

// The "Before" of the tables: the same checks on a baseline — an image (`baseline-image`), or
// the same Dockerfile built from a git ref (`baseline-ref`, e.g. the PR's base) in a worktree
// of its own, so the user's checkout is never touched. Costly extras (cache probe, hardened
// run, compose bring-up) are left out: the Before column does not need them.

export interface Baseline {
  report: Report;
  /** How the summary names it: the ref, or the image reference. */
  label: string;
}

export function baselineRunId(runId: string): string {
  return `${runId}b`;
}

export async function runBaseline(
  options: Options,
  progress: Progress,
  control: RunControl,
  knownBaseLayers: string[],
): Promise<Baseline | null> {
  const { baselineImage, baselineRef } = options.settings;
  if (!baselineImage && !baselineRef) return null;
  const lighter = {
    ...options.settings,
    cacheProbe: false,
    hardenedRun: false,
    composeUp: false,
    reportFile: '',
    sarifFile: '',
    markdownFile: '',
  };
  const prefixed = prefixPhases(progress);
  const baselineControl = { ...control, runId: baselineRunId(control.runId) };
  if (baselineImage) {
    const baseline = {
      ...options,
      settings: { ...lighter, image: baselineImage },
      dockerfilePath: null,
      readFiles: false,
      knownBaseLayers,
    };
    return { report: (await runPipeline(baseline, prefixed, baselineControl)).report, label: baselineImage };
  }
  const worktree = await mkdtemp(join(tmpdir(), 'cs-hardening-baseline-'));
  try {
    const added = await runProcess('git', [
      '-C',
      options.workspace,
      'worktree',
      'add',
      '--detach',
      worktree,
      baselineRef,
    ]);
    if (added.code !== 0) {
      throw new UsageError(
        `baseline-ref: cannot check out '${baselineRef}' (${added.stderr.trim().split('\n').pop()}); in a workflow, fetch it first (actions/checkout with fetch-depth: 0)`,
      );
    }
    const moved = (path: string): string => join(worktree, relative(options.workspace, path));
    const dockerfilePath = options.dockerfilePath ? moved(options.dockerfilePath) : null;
    if (!dockerfilePath || !existsSync(dockerfilePath)) {
      throw new UsageError(
        `baseline-ref: '${baselineRef}' has no ${options.dockerfilePath ? relative(options.workspace, options.dockerfilePath) : 'Dockerfile'} to build`,
      );
    }
    const baseline: Options = {
      ...options,
      workspace: worktree,
      contextDir: moved(options.contextDir),
      dockerfilePath,
      settings: { ...lighter, image: '' },
    };
    return { report: (await runPipeline(baseline, prefixed, baselineControl)).report, label: baselineRef };
  } finally {
    await runProcess('git', ['-C', options.workspace, 'worktree', 'remove', '--force', worktree]);
    await rm(worktree, { recursive: true, force: true });
  }
}

function prefixPhases(progress: Progress): Progress {
  return {
    timings: progress.timings,
    phase: (name, work) => progress.phase(`baseline ${name}`, work),
    info: (message) => progress.info(message),
  };
}
