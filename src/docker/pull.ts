import type { Engine } from './engine.js';
import { UsageError, errorMessage } from '../util/errors.js';

// An image named by a registry reference and not on the engine is pulled, as `docker run` would:
// `image` and `baseline-image` accept `registry.example.com/app:1.2`. A pull that fails is the
// user's to fix (a name, a tag, a login): one line, exit 2.

/** Whether a reference could be pulled at all: an image id or a bare digest cannot. */
export function isPullable(reference: string): boolean {
  return !/^(sha256:)?[0-9a-f]{12,64}$/.test(reference);
}

export async function pullImage(engine: Engine, reference: string, input: string, signal?: AbortSignal): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await engine.pull(reference);
  } catch (error) {
    throw new UsageError(
      `${input}: cannot pull '${reference}' (${reason(error)}); check the name and tag, or log in to its registry (docker login)`,
      { cause: error },
    );
  }
  const onAbort = (): void => (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      // Errors of a pull arrive inside the progress stream, not as its status code.
      engine.modem.followProgress(stream, (error: Error | null, events: { error?: string }[] | undefined) => {
        const failed = error?.message ?? events?.find((event) => event.error)?.error;
        if (failed)
          reject(
            new UsageError(
              `${input}: cannot pull '${reference}' (${failed.split('\n')[0].trim()}); check the name and tag, or log in to its registry (docker login)`,
            ),
          );
        else resolve();
      });
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  signal?.throwIfAborted();
}

function reason(error: unknown): string {
  const json = (error as { json?: { message?: string } }).json;
  const message = (json?.message ?? errorMessage(error)).split('\n')[0];
  return message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
}
