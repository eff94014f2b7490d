import { round } from './util/format.js';

// How a run tells its user where it is. The action groups each phase in the log (core.group);
// the CLI prints a line per phase on stderr. Both record the seconds each phase took.

export interface Progress {
  phase<T>(name: string, work: () => Promise<T>): Promise<T>;
  info(message: string): void;
  readonly timings: Record<string, number>;
}

export function timedPhase<T>(timings: Record<string, number>, name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  return work().finally(() => {
    timings[name] = round((performance.now() - started) / 1000);
  });
}

/** For tests and library use: records timings, prints nothing. */
export function silentProgress(): Progress {
  const timings: Record<string, number> = {};
  return {
    timings,
    phase: (name, work) => timedPhase(timings, name, work),
    info: () => undefined,
  };
}
