// Two kinds of failure end a run with exit code 2 (docs/architecture.md): the user asked for
// something that cannot be done (UsageError), or the machinery failed (InfrastructureError). A
// failed check is neither: it is a verdict, exit 1. A run cancelled by SIGINT/SIGTERM ends with
// CancelledError (exit 130), after its containers are removed.

/** Bad input: names the input or file, and says how to fix it. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The engine, the file system or the network failed us; the image was not judged. */
export class InfrastructureError extends Error {
  override name = 'InfrastructureError';
}

/** SIGINT or SIGTERM stopped the run; what it had started is removed by then. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super("cancelled; the run's containers were removed");
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
