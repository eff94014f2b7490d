import type { Engine } from '../docker/engine.js';

// What a running container of the stack has in force, read from the engine, never from the
// compose file: the limits as the engine applied them (it clears what the kernel cannot enforce,
// a block-I/O weight without a weight-capable scheduler), and the memory and process limits the
// kernel enforces as its cgroup reports them (the engine's stats), beside the security settings,
// the user and the log configuration. src/checks/compose/in-force.ts compares them with the file.

export interface SettingsInForce {
  /** Bytes; 0: none. */
  memoryBytes: number;
  memoryReservationBytes: number;
  /** The memory limit the cgroup reports (stats), when the engine gave one: the kernel's own. */
  cgroupMemoryBytes: number | null;
  /** CPUs as NanoCpus, or CFS quota over period; 0: none. */
  cpus: number;
  cpuShares: number;
  /** 0 or less: none. */
  pidsLimit: number;
  /** The process limit the cgroup reports (stats), when the engine gave one. */
  cgroupPidsLimit: number | null;
  blkioWeight: number;
  readOnly: boolean;
  capDrop: string[];
  capAdd: string[];
  securityOpt: string[];
  user: string;
  logDriver: string;
  logOptions: Record<string, string>;
}

interface InspectedHost {
  Memory?: number;
  MemoryReservation?: number;
  NanoCpus?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CpuShares?: number;
  PidsLimit?: number | null;
  BlkioWeight?: number;
  ReadonlyRootfs?: boolean;
  CapDrop?: string[] | null;
  CapAdd?: string[] | null;
  SecurityOpt?: string[] | null;
  LogConfig?: { Type?: string; Config?: Record<string, string> | null };
}

interface RawLimits {
  memory_stats?: { limit?: number };
  pids_stats?: { limit?: number };
}

/** From the container's inspect (already read by the bring-up) and one stats sample. */
export async function readSettingsInForce(
  container: ReturnType<Engine['getContainer']>,
  inspected: { HostConfig: unknown; Config: { User?: string } },
): Promise<SettingsInForce> {
  const host = inspected.HostConfig as InspectedHost;
  // one-shot: the limits are the same in every sample; no second sample 1 s later (API ≥ 1.41).
  const raw = (await container.stats({ stream: false, 'one-shot': true }).catch(() => ({}))) as unknown as RawLimits;
  const quota = host.CpuQuota ?? 0;
  const period = host.CpuPeriod || 100_000;
  return {
    memoryBytes: host.Memory ?? 0,
    memoryReservationBytes: host.MemoryReservation ?? 0,
    cgroupMemoryBytes: typeof raw.memory_stats?.limit === 'number' ? raw.memory_stats.limit : null,
    cpus: host.NanoCpus ? host.NanoCpus / 1e9 : quota > 0 ? quota / period : 0,
    cpuShares: host.CpuShares ?? 0,
    pidsLimit: host.PidsLimit ?? 0,
    cgroupPidsLimit: typeof raw.pids_stats?.limit === 'number' ? raw.pids_stats.limit : null,
    blkioWeight: host.BlkioWeight ?? 0,
    readOnly: host.ReadonlyRootfs ?? false,
    capDrop: host.CapDrop ?? [],
    capAdd: host.CapAdd ?? [],
    securityOpt: host.SecurityOpt ?? [],
    user: inspected.Config.User ?? '',
    logDriver: host.LogConfig?.Type ?? '',
    logOptions: host.LogConfig?.Config ?? {},
  };
}
