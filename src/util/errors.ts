// Two kinds of failure end a run with exit code 2 (design.md): the user asked for something that
// cannot be done (UsageError), or the machinery failed (InfrastructureError). A failed check is
// neither: it is a verdict, exit 1.

/** Bad input: names the input or file, and says how to fix it. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The engine, the file system or the network failed us; the image was not judged. */
export class InfrastructureError extends Error {
  override name = 'InfrastructureError';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
