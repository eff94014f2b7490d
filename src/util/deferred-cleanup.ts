// Removal that need not hold up the run: once a target's containers have given their evidence,
// removing them (and its joined stack, and the build's layout) takes 0.2–2 s of the engine's time
// that the run can spend judging and reporting instead. The run says when it must be done: before
// anything else of the run is measured (the next target, a baseline, the compose stack's bring-up),
// and always before the run ends, so nothing is left behind whatever happens.

export class DeferredCleanup {
  private readonly pending = new Set<Promise<void>>();

  /** Runs `work` now without waiting for it; its failure is said through `report`, never thrown. */
  add(work: () => Promise<void>, report: (message: string) => void): void {
    const running = work().catch((error: unknown) => report(error instanceof Error ? error.message : String(error)));
    this.pending.add(running);
    void running.finally(() => this.pending.delete(running));
  }

  /** How many removals are still running. */
  get size(): number {
    return this.pending.size;
  }

  /** Every removal added so far, done. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}

/** Where a collector hands its removal: deferred when the run offers to, else done at once. */
export type Defer = (work: () => Promise<void>, report: (message: string) => void) => Promise<void>;

export function deferTo(cleanup: DeferredCleanup | undefined): Defer {
  return async (work, report) => {
    if (cleanup) cleanup.add(work, report);
    else await work().catch((error: unknown) => report(error instanceof Error ? error.message : String(error)));
  };
}
