import type Docker from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';

// Idle cost from the engine's stats: memory as `docker stats` counts it (usage minus the
// reclaimable page cache), CPU as used CPU time over the engine's own clock across the window.
// Samples are paced, 4 a second: Engine 20.10 publishes one a second anyway (a request made
// sooner waits for it), but Docker 28 answers a one-shot request at once, and asking back to back
// (~600 requests in 2 s, seen) costs the engine and this process enough CPU on a small machine
// to take it from the container being measured: a busy loop then read 0.81 CPU instead of 1.0.

export interface StatsSample {
  at: number;
  memoryBytes: number;
  cpuNanos: number;
}

interface RawStats {
  read?: string;
  memory_stats?: { usage?: number; stats?: Record<string, number> };
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
}

export async function sampleStats(container: Docker.Container): Promise<StatsSample> {
  // one-shot: no second sample 1 s later inside the engine (API ≥ 1.41).
  const raw = (await container.stats({ stream: false, 'one-shot': true })) as unknown as RawStats;
  // The engine's timestamp of the sample (ns precision in the text; ms is enough over seconds).
  const at = raw.read ? Date.parse(raw.read) : Date.now();
  const usage = raw.memory_stats?.usage ?? 0;
  const stats = raw.memory_stats?.stats ?? {};
  // cgroup v1 reports total_inactive_file, v2 inactive_file (what the docker CLI subtracts).
  const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  return {
    at,
    memoryBytes: inactive < usage ? usage - inactive : usage,
    cpuNanos: raw.cpu_stats?.cpu_usage?.total_usage ?? 0,
  };
}

export interface IdleSamples {
  samples: StatsSample[];
  cpu: number;
  windowSeconds: number;
}

export const STATS_PACE_MS = 250;

/**
 * Samples every STATS_PACE_MS (or each engine tick, where slower) until `windowMs` have passed;
 * CPU from the first and last sample.
 */
export async function sampleIdle(
  container: Docker.Container,
  windowMs: number,
  signal?: AbortSignal,
): Promise<IdleSamples> {
  const samples = [await sampleStats(container)];
  const end = performance.now() + windowMs;
  while (performance.now() < end) {
    signal?.throwIfAborted();
    const pause = Math.min(STATS_PACE_MS, end - performance.now());
    if (pause > 0) await sleep(pause, undefined, signal ? { signal } : undefined);
    samples.push(await sampleStats(container));
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  const wallNanos = (last.at - first.at) * 1e6;
  return {
    samples,
    cpu: wallNanos > 0 ? (last.cpuNanos - first.cpuNanos) / wallNanos : 0,
    windowSeconds: (last.at - first.at) / 1000,
  };
}
