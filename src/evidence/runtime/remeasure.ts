import type { ReadinessRecord } from './records.js';

// A timing judged against a threshold must not flip with this machine's load. The first start of
// the service shares the CPU with this run's other containers (the hardened run starting the same
// app, the probe with the service down) and with whatever else the machine runs; a reading that
// comes within reach of its limit is taken again once this run's own work is done, from a fresh
// container started alone, and the lower reading counts: load only ever adds time, so the lower
// one is the nearer to what the service itself needs. A service far from its limits pays nothing.

/** A reading at least this share of its limit is taken again. */
export const NEAR_LIMIT = 0.5;

export interface TimingLimits {
  maxStartupSeconds: number;
  /** The HEALTHCHECK timeout in force (the slowest probe is judged against half of it); null: none. */
  probeTimeoutSeconds: number | null;
}

export function slowestAttempt(readiness: ReadinessRecord): number | null {
  return readiness.method === 'healthcheck' && readiness.attemptSeconds.length > 0
    ? Math.max(...readiness.attemptSeconds)
    : null;
}

/** Which of the service's timings came near their limits (empty: none did, nothing is taken again). */
export function nearLimits(readiness: ReadinessRecord, limits: TimingLimits): string[] {
  if (readiness.outcome !== 'ready' || readiness.readySeconds === null) return [];
  const near: string[] = [];
  if (readiness.readySeconds >= NEAR_LIMIT * limits.maxStartupSeconds) near.push('startup');
  const slowest = slowestAttempt(readiness);
  if (slowest !== null && limits.probeTimeoutSeconds !== null && slowest * 2 >= NEAR_LIMIT * limits.probeTimeoutSeconds)
    near.push('health probe');
  return near;
}

/**
 * The readiness judged: the lower startup and the lower slowest probe of the two starts, with
 * both readings kept. A second start that did not become ready changes nothing (the first one
 * did: a flaky start is not this check's to hide).
 */
export function lowerReadings(first: ReadinessRecord, again: ReadinessRecord): ReadinessRecord {
  const readings = {
    readySeconds: [first.readySeconds, again.readySeconds] as (number | null)[],
    slowestProbeSeconds: [slowestAttempt(first), slowestAttempt(again)],
  };
  if (again.outcome !== 'ready' || again.readySeconds === null || first.readySeconds === null)
    return { ...first, remeasured: readings };
  const quicker = again.readySeconds < first.readySeconds ? again : first;
  const firstSlowest = slowestAttempt(first);
  const againSlowest = slowestAttempt(again);
  const steadier = firstSlowest !== null && againSlowest !== null && againSlowest < firstSlowest ? again : first;
  return {
    ...quicker,
    attemptSeconds: steadier.attemptSeconds,
    remeasured: readings,
  };
}

/**
 * The hardened run starts beside the service and shares the machine with it: one that never became
 * ready within the time it had, while the service beside it needed at least half that time itself,
 * proves no more than that both were slow. It is taken again, alone. One that exited, or timed out
 * beside a service that was quick, is judged as it is.
 */
export function hardenedNeedsRetake(
  hardened: { readiness: ReadinessRecord; exited: unknown },
  serviceFirstReadySeconds: number | null,
): boolean {
  if (hardened.exited || hardened.readiness.outcome !== 'timeout' || serviceFirstReadySeconds === null) return false;
  return serviceFirstReadySeconds >= NEAR_LIMIT * hardened.readiness.waitedSeconds;
}
