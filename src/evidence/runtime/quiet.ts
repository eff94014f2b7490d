import type { Container } from '../../docker/engine.js';
import { readFile } from 'node:fs/promises';

// When a service that listens on no port has stopped starting. A worker (a queue consumer, a
// scheduler, `sleep`) never listens: watched for a listening socket through all of
// max-startup-seconds, it paid the whole watch (5 s) before its idle window. Its CPU says when it
// is done: a container whose processes together used next to no CPU for a while is blocked
// waiting (for work, a timer, a dependency), not starting up. The watch then ends, and goes on
// beside the idle window, so a service that listens after such a pause is still seen.
//
// Read from the container's cgroup CPU accounting on the engine host (cgroup v2 `cpu.stat`, v1
// `cpuacct.usage`): every process and thread of the container at once, nothing run in it. Where
// this process does not run on the engine's host, the accounting cannot be read and the watch
// runs its whole length, as before.

/** Cumulative CPU time of the container's processes, in nanoseconds; null once it cannot be read. */
export type CpuReader = () => Promise<number | null>;

/** Quiet: at most this share of one CPU over the span (a timer or a heartbeat, not start-up work). */
export const QUIET_CPU_SHARE = 0.01;
/** How long a service must stay quiet before a watch for its listening socket ends. */
export const QUIET_MS = 500;

/** A reading of the container's CPU time (ns) at `at` (performance.now() ms). */
export interface CpuSample {
  at: number;
  cpuNs: number;
}

/**
 * Samples of a container's CPU time, one per look: quiet once the CPU it used since a sample at
 * least `spanMs` old is at most `share` of that time. Pure: the reader is given to `look`.
 */
export class QuietTracker {
  private readonly samples: CpuSample[] = [];
  /** The reading the last quiet answer was measured from: where the quiet span began. */
  private quietFrom: CpuSample | null = null;

  constructor(
    private readonly spanMs = QUIET_MS,
    private readonly share = QUIET_CPU_SHARE,
  ) {}

  /** Records a reading at `at` (ms); answers whether the container has been quiet for the span. */
  record(at: number, cpuNs: number): boolean {
    this.samples.push({ at, cpuNs });
    // The newest sample at least a span old: CPU only grows, so quiet since it means quiet
    // through the whole span.
    let since: CpuSample | undefined;
    while (this.samples.length > 1 && at - this.samples[1].at >= this.spanMs) this.samples.shift();
    if (at - this.samples[0].at >= this.spanMs) since = this.samples[0];
    if (!since) return false;
    const elapsedNs = (at - since.at) * 1e6;
    const quiet = cpuNs - since.cpuNs <= this.share * elapsedNs;
    this.quietFrom = quiet ? since : null;
    return quiet;
  }

  /** Where the quiet span began, when the last reading answered quiet; otherwise null. */
  spanStart(): CpuSample | null {
    return this.quietFrom;
  }
}

/** Reads the container's CPU time from its cgroup on this host; null when this host cannot. */
export async function cgroupCpuReader(container: Container): Promise<CpuReader | null> {
  if (process.platform !== 'linux') return null;
  const state = (await container.inspect()).State;
  if (!state.Running || !state.Pid) return null;
  let cgroups: string;
  try {
    cgroups = await readFile(`/proc/${state.Pid}/cgroup`, 'utf8');
  } catch {
    return null;
  }
  for (const candidate of cpuAccountingFiles(cgroups)) {
    // The same PID on this host is the container's only if its cgroup names the container.
    if (!candidate.path.includes(container.id)) continue;
    const read: CpuReader = async () => {
      try {
        return candidate.parse(await readFile(candidate.path, 'utf8'));
      } catch {
        return null; // the container is gone, and its cgroup with it
      }
    };
    if ((await read()) !== null) return read;
  }
  return null;
}

interface AccountingFile {
  path: string;
  parse: (text: string) => number | null;
}

/**
 * Where a process's CPU accounting is, from its /proc/<pid>/cgroup: the v1 cpuacct controller
 * (mounted alone or with cpu), then the v2 hierarchy (at /sys/fs/cgroup, or /sys/fs/cgroup/unified
 * on a hybrid host).
 */
export function cpuAccountingFiles(procCgroup: string, root = '/sys/fs/cgroup'): AccountingFile[] {
  const files: AccountingFile[] = [];
  const unified: AccountingFile[] = [];
  for (const line of procCgroup.split('\n')) {
    const match = /^(\d+):([^:]*):(.+)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllers, path] = match;
    if (id === '0' && controllers === '') {
      for (const mount of [root, `${root}/unified`])
        unified.push({ path: `${mount}${path}/cpu.stat`, parse: parseCpuStat });
      continue;
    }
    const names = controllers.split(',');
    if (!names.includes('cpuacct')) continue;
    for (const mount of [`${root}/${controllers}`, `${root}/cpuacct`, `${root}/cpu,cpuacct`])
      files.push({ path: `${mount}${path}/cpuacct.usage`, parse: parseNanoseconds });
  }
  return [...dedupe(files), ...dedupe(unified)];
}

function dedupe(files: AccountingFile[]): AccountingFile[] {
  const seen = new Set<string>();
  return files.filter((file) => !seen.has(file.path) && seen.add(file.path));
}

/** cgroup v2 cpu.stat: `usage_usec N`, in nanoseconds. */
export function parseCpuStat(text: string): number | null {
  const match = /^usage_usec\s+(\d+)/m.exec(text);
  return match ? Number(match[1]) * 1000 : null;
}

function parseNanoseconds(text: string): number | null {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(value) ? value : null;
}
