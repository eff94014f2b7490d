import { hasImage, type Engine } from '../docker/engine.js';
import { isPullable } from '../docker/pull.js';
import { lastLines } from '../docker/buildx.js';
import { runDocker } from '../docker/cli.js';

// check-service-images: a compose service's image is proven when the engine has it, or when its
// registry answers and the pull finishes in time. The pull goes through the docker CLI, as
// compose's own would: the CLI's logins and credential helpers apply. A registry that does not
// answer costs the run PULL_SECONDS at most, and the service is then said to be unproven.

/** Whether a service's image is on the engine now: it was there, or it was just pulled; else why not. */
export type ImageAvailability = { ok: true; pulled: boolean } | { ok: false; reason: string };

/** The most one service image's pull may take before the run goes on without it. */
export const PULL_SECONDS = 120;

export async function obtainServiceImage(
  engine: Engine,
  reference: string,
  signal?: AbortSignal,
  seconds = PULL_SECONDS,
): Promise<ImageAvailability> {
  if (await hasImage(engine, reference)) return { ok: true, pulled: false };
  if (!isPullable(reference)) return { ok: false, reason: 'an image id cannot be pulled' };
  const timeout = AbortSignal.timeout(seconds * 1000);
  const pull = await runDocker(['pull', '--quiet', reference], {
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    keep: 8 * 1024,
  }).catch((error: NodeJS.ErrnoException) => ({ code: -1, stderr: `could not run docker pull: ${error.message}` }));
  signal?.throwIfAborted();
  if (timeout.aborted) return { ok: false, reason: `its pull did not finish within ${seconds} s` };
  if (pull.code !== 0) return { ok: false, reason: `the pull failed (${pullError(pull.stderr)})` };
  if (!(await hasImage(engine, reference)))
    return { ok: false, reason: 'the pull ended but the engine does not list the image' };
  return { ok: true, pulled: true };
}

/** The daemon's own words, on one line: `dial tcp 127.0.0.1:5999: connect: connection refused`. */
function pullError(stderr: string): string {
  const line = lastLines(stderr, 1).trim();
  return line.replace(/^Error response from daemon:\s*/i, '') || 'no message';
}
