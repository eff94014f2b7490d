import type { Engine } from '../docker/engine.js';
import { runDocker } from '../docker/cli.js';
import type { PushRecord, Report } from '../model.js';
import { parseImageReference } from '../util/image-reference.js';
import { CancelledError, errorMessage } from '../util/errors.js';

// The release gate's last step: the image the run proved, pushed as the user's tags — that image,
// not a rebuild — and only when the verdict passed. The docker CLI pushes, so the credentials of
// `docker login` (docker/login-action) are the ones used, and nothing here ever sees them.

export interface PushRequest {
  engine: Engine;
  report: Report;
  tags: string[];
  /** Why this run may not push whatever its verdict (a pull request from a fork), or null. */
  refusal: string | null;
  info?: (message: string) => void;
  signal?: AbortSignal;
}

/** Pushes the proven image as each tag when the verdict passed; otherwise says why not. */
export async function pushProvenImage(request: PushRequest): Promise<PushRecord> {
  const { report, tags, signal } = request;
  const imageId = report.targets.length === 1 ? (report.targets[0].target.imageId ?? null) : null;
  const pushed: PushRecord['pushed'] = [];
  const record = (outcome: PushRecord['outcome'], reason: string | null): PushRecord => ({
    outcome,
    tags,
    imageId,
    digest: pushed[0]?.digest ?? null,
    pushed,
    reason,
  });
  if (request.refusal) return record('withheld', request.refusal);
  if (!report.passed) return record('withheld', `the verdict did not pass fail-on: ${report.failOn}`);
  // The run stops before building when push meets several targets: this is a library caller's.
  if (report.targets.length !== 1)
    return record('failed', `push sends one proven image; this run proved ${report.targets.length} targets`);
  if (!imageId) return record('failed', 'the run has no image id to push');

  for (const tag of tags) {
    if (signal?.aborted) throw new CancelledError();
    const { name, tag: version } = parseImageReference(tag);
    const reference = `${name}:${version ?? 'latest'}`;
    try {
      await request.engine.getImage(imageId).tag({ repo: name, tag: version ?? 'latest' });
    } catch (error) {
      return record('failed', `could not tag the proven image as ${reference}: ${errorMessage(error)}`);
    }
    request.info?.(`pushing ${reference}`);
    const result = await runDocker(['push', reference], signal ? { signal } : {});
    if (signal?.aborted) throw new CancelledError();
    if (result.code !== 0)
      return record('failed', `docker push ${reference} failed: ${lastLine(result.stderr || result.stdout)}`);
    const digest = pushedDigest(result.stdout);
    if (!digest) return record('failed', `docker push ${reference} printed no digest`);
    // Per tag: a store that compresses on push (overlay2) may give another registry another digest.
    pushed.push({ tag, digest });
  }
  return record('pushed', null);
}

/** The digest `docker push` reports: `1.0: digest: sha256:… size: 1234`. */
export function pushedDigest(output: string): string | null {
  return /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1] ?? null;
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .at(-1) ?? 'no output'
  );
}
