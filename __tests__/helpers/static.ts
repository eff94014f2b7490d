import { collected, skipped } from '../../src/evidence/collected.js';
import { parseComposeFile } from '../../src/evidence/compose.js';
import type { ContextEvidence } from '../../src/evidence/context.js';
import { parseDockerfile } from '../../src/evidence/dockerfile.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { parseSettings } from '../../src/inputs/resolve.js';
import { judgeEvidence } from '../../src/judge.js';
import type { CheckResult } from '../../src/model.js';

// Static analysis on text: a Dockerfile and/or a compose file and/or a context listing, through the
// real checks and inline ignores, as a static-only run would do.

export interface StaticInput {
  dockerfile?: string;
  compose?: string;
  context?: Partial<ContextEvidence>;
  inputs?: RawInputs;
}

export function analyse(input: StaticInput): CheckResult[] {
  const reason = 'static mode';
  const dockerfile =
    input.dockerfile !== undefined ? parseDockerfile(input.dockerfile, { path: 'Dockerfile' }) : undefined;
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
    compose:
      input.compose !== undefined
        ? collected(
            (() => {
              const file = parseComposeFile(input.compose, '/repo/compose.yaml', {
                workspace: '/repo',
                show: () => 'compose.yaml',
              });
              return { files: [file], services: file.services };
            })(),
          )
        : skipped('no compose'),
    engine: skipped(reason),
    build: skipped(reason),
    rebuild: skipped(reason),
    cacheProbe: skipped(reason),
    image: skipped(reason),
    filesystem: skipped(reason),
    runtime: skipped(reason),
    composeUp: skipped(reason),
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
