import type { ExitRecord } from '../evidence/runtime/records.js';
import { formatSeconds } from '../util/format.js';

// Measurements in words, the same in every check that reports them.

/** A container that stopped on its own: code, when, whether it ran out of memory, its last words. */
export function describeExit(exited: ExitRecord): string {
  const oom = exited.oomKilled ? ' (killed: out of memory)' : '';
  const logs = exited.logTail.trim()
    ? `; last log lines: ${exited.logTail.trim().split('\n').slice(-5).join(' | ')}`
    : '; it wrote no logs';
  return `exited with code ${exited.exitCode} after ${formatSeconds(exited.afterSeconds)}${oom}${logs}`;
}
