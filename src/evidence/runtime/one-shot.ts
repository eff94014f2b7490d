import type { Container } from '../../docker/engine.js';
import { logTail } from '../../docker/logs.js';
import type { Throwaways, ThrowawaySpec } from '../../docker/throwaway.js';
import { within } from '../../util/deadline.js';
import { errorMessage } from '../../util/errors.js';
import { round } from '../../util/format.js';

// A container that runs one command to its end (the health probe with the service down, `id`):
// its exit code and output, bounded in time — a command that hangs is killed and says so.

export interface OneShotResult {
  exitCode: number | null;
  timedOut: boolean;
  seconds: number;
  output: string;
  /** The container could not start (command not found…). */
  error: string | null;
}

export async function runOneShot(
  throwaways: Throwaways,
  spec: ThrowawaySpec,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<OneShotResult> {
  const started = performance.now();
  const seconds = (): number => round((performance.now() - started) / 1000);
  let container: Container | undefined;
  try {
    container = await throwaways.create(spec);
    try {
      await container.start();
    } catch (error) {
      return { exitCode: null, timedOut: false, seconds: seconds(), output: '', error: startError(error) };
    }
    const exit = await waitFor(container, timeoutMs, signal);
    if (exit === null) await container.kill().catch(() => undefined);
    return {
      exitCode: exit,
      timedOut: exit === null,
      seconds: seconds(),
      output: await logTail(container, 30),
      error: null,
    };
  } finally {
    if (container) await throwaways.remove(container);
  }
}

async function waitFor(container: Container, timeoutMs: number, signal?: AbortSignal): Promise<number | null> {
  const outcome = await within(container.wait() as Promise<{ StatusCode: number }>, timeoutMs, signal);
  return outcome.timedOut ? null : outcome.value.StatusCode;
}

/** The runtime's reason, without the engine's boilerplate around it. */
export function startError(error: unknown): string {
  const message = errorMessage(error);
  const reason =
    /exec: "[^"]*": [^:"]+|no such file or directory|executable file not found in \$PATH|permission denied/i.exec(
      message,
    );
  return reason ? reason[0] : message.split('\n')[0].slice(0, 300);
}
