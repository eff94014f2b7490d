import type { DockerfileEvidence } from '../evidence/dockerfile.js';
import type { CheckResult } from '../model.js';
import type { AnyCheck } from './registry.js';

// Inline ignores in the comment lines right above an instruction:
//   # hardening-ignore=HARD-DOCKERFILE-003 the base image pins its own recommends
//   # hadolint ignore=DL3015,DL3008
// One applies to the findings located on that instruction. Ours need a reason: an ignore without
// one does not apply, and the finding says so. hadolint's are honoured for the rules that mean the
// same thing (each check lists its hadolint codes).

export interface InlineIgnore {
  line: number;
  ids: string[];
  reason: string;
  hadolint: boolean;
}

export function parseIgnores(dockerfile: DockerfileEvidence): InlineIgnore[] {
  const ignores: InlineIgnore[] = [];
  for (const comment of dockerfile.comments) {
    const ours = /^hardening-ignore\s*=\s*([A-Z0-9,\s-]+?)(?:\s+(.*))?$/.exec(comment.text.trim());
    if (ours) {
      ignores.push({
        line: comment.line,
        ids: ours[1].split(/[,\s]+/).filter(Boolean),
        reason: (ours[2] ?? '').trim(),
        hadolint: false,
      });
      continue;
    }
    const theirs = /^hadolint\s+ignore\s*=\s*([A-Z0-9,\s]+)/.exec(comment.text.trim());
    if (theirs)
      ignores.push({
        line: comment.line,
        ids: theirs[1].split(/[,\s]+/).filter(Boolean),
        reason: 'hadolint ignore',
        hadolint: true,
      });
  }
  return ignores;
}

/** The comment lines directly above `line` (a block of comments, no blank line between). */
function commentBlockAbove(line: number, dockerfile: DockerfileEvidence): Set<number> {
  const commentLines = new Set(dockerfile.comments.map((comment) => comment.line));
  const block = new Set<number>();
  for (let candidate = line - 1; commentLines.has(candidate); candidate--) block.add(candidate);
  return block;
}

export function applyInlineIgnores(
  results: CheckResult[],
  dockerfile: DockerfileEvidence | undefined,
  checks: readonly AnyCheck[],
): CheckResult[] {
  if (!dockerfile) return results;
  const ignores = parseIgnores(dockerfile);
  if (ignores.length === 0) return results;
  const hadolintOf = new Map(checks.map((check) => [check.id, new Set(check.hadolint ?? [])]));
  return results.map((result) => {
    if (result.status !== 'fail' || result.location?.file !== dockerfile.path || result.location.line === undefined)
      return result;
    const block = commentBlockAbove(result.location.line, dockerfile);
    const ignore = ignores.find(
      (candidate) =>
        block.has(candidate.line) &&
        candidate.ids.some((id) => (candidate.hadolint ? hadolintOf.get(result.id)?.has(id) : id === result.id)),
    );
    if (!ignore) return result;
    if (!ignore.reason)
      return {
        ...result,
        message: `${result.message} (the ignore on line ${ignore.line} gives no reason, so it does not apply)`,
      };
    return {
      ...result,
      status: 'skip',
      message: `ignored on line ${ignore.line} (${ignore.reason}): ${result.message}`,
    };
  });
}
