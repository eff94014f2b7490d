import type { Container } from '../../docker/engine.js';
import { readdir, readFile } from 'node:fs/promises';

// Why a busy service can read idle on a busy machine: the engine counts the CPU time a container
// got, and a thread that spins gets only its share of a crowded CPU (a busy loop read 0.15 CPU
// with ten runnable tasks on two cores). Its scheduler statistics say what it wanted: a thread
// that was runnable (running or waiting for a CPU) through the whole window and never blocked of
// its own accord (no voluntary context switch) is spinning, and uncontended it would take a whole
// core, whatever share this machine gave it. A thread that ever blocked is taken at what it used:
// its need cannot be told from a crowded reading, and a miss is better than a false error.
//
// Read from the engine host's /proc (schedstat, status of every thread of the container's
// processes), when this process runs there and the processes' cgroup names the container;
// elsewhere the engine's figure stands alone.

export interface ThreadSample {
  /** Nanoseconds on a CPU, and waiting on a run queue. */
  runNs: number;
  waitNs: number;
  voluntary: number;
}

export interface ThreadsSnapshot {
  at: number;
  threads: Map<string, ThreadSample>;
}

/** Every thread of the container's processes, or null when the host's /proc does not show them. */
export async function sampleThreads(container: Container, pids: number[]): Promise<ThreadsSnapshot | null> {
  if (process.platform !== 'linux' || pids.length === 0) return null;
  const threads = new Map<string, ThreadSample>();
  let verified = false;
  for (const pid of pids) {
    try {
      const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8');
      if (!cgroup.includes(container.id)) return null; // another PID namespace: not its process
      verified = true;
      for (const tid of await readdir(`/proc/${pid}/task`)) {
        const sample = await readThread(pid, tid);
        if (sample) threads.set(`${pid}/${tid}`, sample);
      }
    } catch {
      // The process ended between the listing and the read: it has nothing more to say.
    }
  }
  return verified ? { at: performance.now(), threads } : null;
}

async function readThread(pid: number, tid: string): Promise<ThreadSample | null> {
  try {
    const [schedstat, status] = await Promise.all([
      readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8'),
      readFile(`/proc/${pid}/task/${tid}/status`, 'utf8'),
    ]);
    return parseThread(schedstat, status);
  } catch {
    return null;
  }
}

export function parseThread(schedstat: string, status: string): ThreadSample | null {
  const [run, wait] = schedstat.trim().split(/\s+/).map(Number);
  const voluntary = /^voluntary_ctxt_switches:\s*(\d+)/m.exec(status);
  if (!Number.isFinite(run) || !Number.isFinite(wait) || !voluntary) return null;
  return { runNs: run, waitNs: wait, voluntary: Number(voluntary[1]) };
}

export interface Spinning {
  /** Threads runnable through the whole window that never blocked. */
  threads: number;
  /** The CPU (in CPUs) they got over the window. */
  gotCpu: number;
}

/** Runnable at least this share of the window, to count as never idle (scheduler accounting is coarse). */
const RUNNABLE_SHARE = 0.9;

export function spinningThreads(before: ThreadsSnapshot, after: ThreadsSnapshot): Spinning {
  const wallNs = (after.at - before.at) * 1e6;
  let threads = 0;
  let gotCpu = 0;
  if (wallNs <= 0) return { threads, gotCpu };
  for (const [key, end] of after.threads) {
    const start = before.threads.get(key);
    if (!start) continue; // born during the window: not runnable through all of it
    const run = end.runNs - start.runNs;
    const runnable = run + (end.waitNs - start.waitNs);
    if (end.voluntary === start.voluntary && runnable >= RUNNABLE_SHARE * wallNs) {
      threads++;
      gotCpu += run / wallNs;
    }
  }
  return { threads, gotCpu };
}
