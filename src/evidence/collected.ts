import { UsageError, errorMessage } from '../util/errors.js';

// Every piece of evidence is either collected, deliberately not collected (with the reason a
// check will repeat as its `skip`), or failed to collect (the reason becomes the check's `error`:
// an infrastructure fault is never reported as a pass).

export type Collected<T> =
  { state: 'collected'; value: T } | { state: 'skipped'; reason: string } | { state: 'failed'; error: string };

export function collected<T>(value: T): Collected<T> {
  return { state: 'collected', value };
}

export function skipped<T>(reason: string): Collected<T> {
  return { state: 'skipped', reason };
}

export function failed<T>(error: string): Collected<T> {
  return { state: 'failed', error };
}

export function valueOf<T>(evidence: Collected<T>): T | undefined {
  return evidence.state === 'collected' ? evidence.value : undefined;
}

/** Runs a collector; its failure becomes `failed` evidence (checks report `error`), unless cancelled. */
export async function attempt<T>(collect: () => Promise<T>, signal?: AbortSignal): Promise<Collected<T>> {
  try {
    return collected(await collect());
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof UsageError) throw error;
    return failed(errorMessage(error));
  }
}
