import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type { CollectionOptions } from '../evidence/collection-options.js';
import { judgeEvidence } from '../judge.js';
import { emptyMetrics, type BaselineReport } from '../model.js';
import { baselineProgress, type Progress } from '../progress.js';
import { metricsOf } from '../report/metrics.js';
import type { TargetRequest } from '../request.js';
import { UsageError } from '../util/errors.js';
import { runProcess } from '../util/process.js';
import { repoPath } from '../util/repo-path.js';
import { collectTargetEvidence } from './collect-target.js';
import type { RunControl } from './control.js';

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
/** Whether the target is proven beside a baseline (an image, or the same files at a git ref). */
export function baselineWanted(request: TargetRequest): boolean {
  const { baselineImage, baselineRef } = request.settings;
  return request.source.kind !== 'stack' && Boolean(baselineImage || baselineRef);
}

export async function proveBaseline(
  request: TargetRequest,
  baseLayers: string[],
  context: BaselineContext,
): Promise<BaselineReport | null> {
  const { baselineImage, baselineRef } = request.settings;
  if (!baselineWanted(request)) return null;
  const derived = baselineImage
    ? imageBaseline(request, baselineImage, baseLayers)
    : await refBaseline(request, baselineRef, context.worktrees);
  if ('absent' in derived) return { label: baselineRef, metrics: emptyMetrics(), checks: [], absent: derived.absent };
  // The same build inputs (their paths are absolute, from the run's workspace, so a worktree's
  // build reads the same secret files and contexts), but no cache-to, provenance or SBOM: the
  // baseline is not the image the user's cache is for, nor one that ships.
  if (derived.request.buildInputs)
    derived.request = {
      ...derived.request,
      buildInputs: { ...derived.request.buildInputs, cacheTo: [], provenance: null, sbom: null, annotations: [] },
    };
  const { evidence } = await collectTargetEvidence(
    derived.request,
    baselineProgress(context.progress),
    context.control,
  );
  const { results, locate } = judgeEvidence(
    evidence,
    derived.request.settings,
    derived.request.ignores,
    derived.request.knownBaseLayers,
  );
  return { label: derived.label, metrics: metricsOf(evidence, locate), checks: results };
}

/** The baseline as a target of its own, and how the Before column names it; or why there is none. */
type BaselineRequest = { request: TargetRequest; label: string } | { absent: string };

/**
 * What the collectors do for a baseline: the target's own, without the costly extras the Before
 * column does not need. Its settings (what the checks judge it by) are the target's, unchanged.
 */
function withoutExtras(collect: CollectionOptions): CollectionOptions {
  // A baseline is the Before of the tables; its signatures decide nothing.
  return {
    ...collect,
    cacheProbe: false,
    composeUp: false,
    signatures: null,
    attestations: false,
    runtime: { ...collect.runtime, hardenedRun: false },
  };
}

/** An image has no Dockerfile to tell its base: the tested image's base layers (same digests) do. */
function imageBaseline(request: TargetRequest, image: string, baseLayers: string[]): BaselineRequest {
  const { source } = request;
  return {
    label: image,
    request: {
      ...request,
      source: {
        kind: 'image',
        image,
        // As the target's: its Dockerfile is not read (readFiles), so they change nothing measured.
        stage: source.kind === 'stack' ? null : source.stage,
        buildArgs: source.kind === 'stack' ? {} : source.buildArgs,
        input: 'baseline-image',
      },
      dockerfilePath: null,
      collect: withoutExtras(request.collect),
      compose: null,
      readFiles: false,
      knownBaseLayers: baseLayers,
      scope: `${request.scope}b`,
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

async function refBaseline(request: TargetRequest, ref: string, worktrees: Worktrees): Promise<BaselineRequest> {
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
  if (request.source.kind === 'image' || !dockerfile) {
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
      collect: withoutExtras(request.collect),
      compose: null,
      services: [],
      scope: `${request.scope}b`,
      vulnerabilityReports: { current: request.vulnerabilityReports.baseline, baseline: null },
    },
  };
}
