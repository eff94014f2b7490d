import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { collectTargetEvidence, type RunControl } from '../evidence/collect-target.js';
import { judgeEvidence } from '../judge.js';
import { emptyMetrics, type BaselineReport } from '../model.js';
import { baselineProgress, type Progress } from '../progress.js';
import { metricsOf } from '../report/metrics.js';
import type { TargetRequest } from '../request.js';
import { UsageError } from '../util/errors.js';
import { runProcess } from '../util/process.js';
import { repoPath } from '../util/repo-path.js';

// The "Before" of a target: the same checks on its baseline — an image (`baseline-image`), or the
// same target built at a git ref (`baseline-ref`, e.g. the PR's base) from a worktree of the
// repository that holds the target's context, so the user's checkout is never touched and the
// ref is the one of that repository, wherever the run was started. Costly extras (cache probe,
// hardened run) are left out: the Before column does not need them.

/** Worktrees of the run, one per repository and ref, shared by its targets and removed at the end. */
export class Worktrees {
  private readonly made = new Map<string, Promise<string>>();
  private readonly dirs: { repo: string; dir: string }[] = [];

  /** The checkout of `ref` in the repository at `repo`. */
  at(repo: string, ref: string): Promise<string> {
    const key = `${repo}\0${ref}`;
    let made = this.made.get(key);
    if (!made) {
      made = this.add(repo, ref);
      this.made.set(key, made);
    }
    return made;
  }

  private async add(repo: string, ref: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'cs-hardening-baseline-'));
    this.dirs.push({ repo, dir });
    const added = await runProcess('git', ['-C', repo, 'worktree', 'add', '--detach', dir, ref]);
    if (added.code !== 0) {
      throw new UsageError(
        `baseline-ref: cannot check out '${ref}' in ${repo} (${added.stderr.trim().split('\n').pop()}); in a workflow, fetch it first (actions/checkout with fetch-depth: 0)`,
      );
    }
    return dir;
  }

  async removeAll(): Promise<void> {
    for (const { repo, dir } of this.dirs.splice(0)) {
      await runProcess('git', ['-C', repo, 'worktree', 'remove', '--force', dir]);
      await rm(dir, { recursive: true, force: true });
    }
  }
}

export interface BaselineContext {
  progress: Progress;
  control: RunControl;
  worktrees: Worktrees;
}

/** The baseline of one target, proven; null when none is asked for. */
export async function proveBaseline(
  request: TargetRequest,
  baseLayers: string[],
  context: BaselineContext,
): Promise<BaselineReport | null> {
  const { baselineImage, baselineRef } = request.settings;
  if (request.kind === 'stack' || (!baselineImage && !baselineRef)) return null;
  const made = baselineImage
    ? imageBaseline(request, baselineImage, baseLayers)
    : await refBaseline(request, baselineRef, context.worktrees);
  if ('absent' in made) return { label: baselineRef, metrics: emptyMetrics(), checks: [], absent: made.absent };
  // The same build inputs (their paths are absolute, from the run's workspace, so a worktree's
  // build reads the same secret files and contexts), but no cache-to: the baseline is not the
  // image the user's cache is for.
  if (made.request.buildInputs)
    made.request = { ...made.request, buildInputs: { ...made.request.buildInputs, cacheTo: [] } };
  const { evidence } = await collectTargetEvidence(made.request, baselineProgress(context.progress), context.control);
  const { results, locate } = judgeEvidence(
    evidence,
    made.request.settings,
    made.request.ignores,
    made.request.knownBaseLayers,
  );
  return { label: made.label, metrics: metricsOf(evidence, locate), checks: results };
}

type Made = { request: TargetRequest; label: string } | { absent: string };

function lighter(request: TargetRequest): TargetRequest['settings'] {
  return {
    ...request.settings,
    cacheProbe: false,
    hardenedRun: false,
    composeUp: false,
    baselineImage: '',
    baselineRef: '',
  };
}

/** An image has no Dockerfile to tell its base: the tested image's base layers (same digests) do. */
function imageBaseline(request: TargetRequest, image: string, baseLayers: string[]): Made {
  return {
    label: image,
    request: {
      ...request,
      kind: 'image',
      dockerfilePath: null,
      settings: { ...lighter(request), image },
      compose: null,
      readFiles: false,
      knownBaseLayers: baseLayers,
      scope: `${request.scope}b`,
      imageInput: 'baseline-image',
      vulnerabilityReports: { current: request.vulnerabilityReports.baseline, baseline: null },
    },
  };
}

/** The path with its symlinks resolved, as far as it exists (a file may not, yet). */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return join(realPath(dirname(path)), basename(path));
  }
}

async function refBaseline(request: TargetRequest, ref: string, worktrees: Worktrees): Promise<Made> {
  const top = await runProcess('git', ['-C', request.contextDir, 'rev-parse', '--show-toplevel']);
  if (top.code !== 0) {
    throw new UsageError(
      `baseline-ref: ${repoPath(request.workspace, request.contextDir)} is not in a git repository, so '${ref}' means nothing there; give baseline-image instead`,
    );
  }
  const repo = top.stdout.trim();
  const worktree = await worktrees.at(repo, ref);
  // git answers with the real path; the context may have been given through a symlink.
  const moved = (path: string): string => join(worktree, relative(repo, realPath(path)));
  const dockerfile = request.dockerfilePath ? moved(request.dockerfilePath) : null;
  if (request.kind === 'image' || !dockerfile) {
    throw new UsageError(`baseline-ref: ${request.name} is an image, not a build: give it a baseline-image instead`);
  }
  if (!existsSync(dockerfile)) {
    return {
      absent: `new in this change: ${relative(repo, realPath(request.dockerfilePath!))} does not exist at ${ref}`,
    };
  }
  return {
    label: ref,
    request: {
      ...request,
      workspace: worktree,
      contextDir: moved(request.contextDir),
      dockerfilePath: dockerfile,
      settings: { ...lighter(request), image: '' },
      compose: null,
      services: [],
      scope: `${request.scope}b`,
      vulnerabilityReports: { current: request.vulnerabilityReports.baseline, baseline: null },
    },
  };
}
