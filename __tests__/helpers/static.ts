import { collected, skipped } from '../../src/evidence/collected.js';
import { collectComposeEvidence } from '../../src/evidence/compose.js';
import { memorySource } from '../../src/evidence/compose/load.js';
import type { ContextEvidence } from '../../src/evidence/context.js';
import { parseDockerfile } from '../../src/evidence/dockerfile.js';
import type { GitStatus } from '../../src/evidence/git-status.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { parseSettings } from '../../src/inputs/resolve.js';
import { judgeEvidence } from '../../src/judge.js';
import type { CheckResult } from '../../src/model.js';

// Static analysis on text: a Dockerfile and/or a compose file and/or a context listing, through the
// real checks and inline ignores, as a static-only run would do.

export interface StaticInput {
  dockerfile?: string;
  /** The stage to build (default: the last), and build arguments, as the target's settings give them. */
  target?: string;
  buildArgs?: Record<string, string>;
  /** /repo/compose.yaml */
  compose?: string;
  /** More files beside it, by path under /repo (override files, extended or included files, .env). */
  files?: Record<string, string>;
  /** The environment compose sees (default: none). */
  env?: Record<string, string>;
  /** What git says of files under /repo, by path (default: not in a repository). */
  git?: Record<string, GitStatus>;
  /** compose-env-example */
  exampleEnv?: boolean;
  context?: Partial<ContextEvidence>;
  inputs?: RawInputs;
}

export function analyse(input: StaticInput): CheckResult[] {
  const reason = 'static mode';
  const dockerfile =
    input.dockerfile !== undefined
      ? parseDockerfile(input.dockerfile, {
          path: 'Dockerfile',
          ...(input.target ? { target: input.target } : {}),
          ...(input.buildArgs ? { buildArgs: input.buildArgs } : {}),
        })
      : undefined;
  const evidence: EvidenceSet = {
    dockerfile: dockerfile ? collected(dockerfile) : skipped('no Dockerfile'),
    context: input.context
      ? collected({
          ignoreFile: null,
          patterns: [],
          files: [],
          totalBytes: 0,
          excludedFiles: 0,
          keyFiles: {},
          ...input.context,
        })
      : skipped('no context'),
    compose: input.compose !== undefined ? collected(composeOf(input)) : skipped('no compose'),
    engine: skipped(reason),
    build: skipped(reason),
    rebuild: skipped(reason),
    cacheProbe: skipped(reason),
    image: skipped(reason),
    filesystem: skipped(reason),
    runtime: skipped(reason),
    composeUp: skipped(reason),
    vulnerabilities: skipped(reason),
    signatures: skipped('verify-signature is not set'),
    attestations: skipped('check-attestations is off'),
  };
  return judgeEvidence(evidence, parseSettings(input.inputs ?? {})).results;
}

/** `[status, line]` of each result of one check: what a reviewer sees on the PR. */
export function findings(results: CheckResult[], id: string): [string, number | undefined][] {
  return results.filter((result) => result.id === id).map((result) => [result.status, result.location?.line]);
}

export function failedLines(results: CheckResult[], id: string): (number | undefined)[] {
  return results
    .filter((result) => result.id === id && result.status === 'fail')
    .map((result) => result.location?.line);
}

/** The project of /repo/compose.yaml (and /repo/compose.override.yaml, …) from text. */
export function composeOf(input: Pick<StaticInput, 'compose' | 'files' | 'env' | 'git' | 'exampleEnv'>) {
  const files: Record<string, string> = { '/repo/compose.yaml': input.compose ?? '' };
  for (const [path, text] of Object.entries(input.files ?? {})) files[`/repo/${path}`] = text;
  const evidence = collectComposeEvidence({
    workspace: '/repo',
    contextDir: '/repo',
    given: [],
    env: input.env ?? {},
    source: memorySource(files),
    git: (path) => input.git?.[path.replace(/^\/repo\//, '')] ?? 'outside-git',
    ...(input.exampleEnv ? { exampleEnv: true } : {}),
  });
  if (!evidence) throw new Error('no compose file');
  return evidence;
}
