// Waiting for something with a deadline (and, where given, a cancellation signal). One place, so
// that no wait forgets to clear its timer or to remove its abort listener.

export type Outcome<T> = { timedOut: false; value: T } | { timedOut: true };

/** The promise's value, or `timedOut` once `ms` have passed first; rejects at once when `signal` aborts. */
export async function within<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<Outcome<T>> {
  signal?.throwIfAborted();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const timeout = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), ms);
  });
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise.then((value): Outcome<T> => ({ timedOut: false, value })), timeout, aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
