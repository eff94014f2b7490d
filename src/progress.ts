import { formatSeconds, round } from './util/format.js';

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

/**
 * One target's progress: its phases timed in its own record, named `[target] phase` when the run
 * has several targets. Targets proven side by side open no log group (GitHub's groups cannot
 * interleave): each phase says when it starts and ends instead.
 */
export function targetProgress(parent: Progress, name: string | null, concurrent: boolean): Progress {
  const timings: Record<string, number> = {};
  const label = (phase: string): string => (name ? `[${name}] ${phase}` : phase);
  return {
    timings,
    phase(phase, work) {
      if (!concurrent) return parent.phase(label(phase), () => timedPhase(timings, phase, work));
      parent.info(`▸ ${label(phase)}…`);
      return timedPhase(timings, phase, work).finally(() =>
        parent.info(`${label(phase)}: ${formatSeconds(timings[phase] ?? 0)}`),
      );
    },
    info: (message) => parent.info(name ? `[${name}] ${message}` : message),
  };
}

/** A baseline's phases, named as such: `baseline build`. */
export function baselineProgress(progress: Progress): Progress {
  return {
    timings: progress.timings,
    phase: (name, work) => progress.phase(`baseline ${name}`, work),
    info: (message) => progress.info(message),
  };
}
