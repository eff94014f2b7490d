import { describeEmulation, type Emulation } from '../evidence/emulation.js';
import type { Verdict } from './registry.js';

// How the checks judge a figure measured under emulation. Emulation can only make a time, the CPU
// used or the memory held worse, never better: a reading within its limit under emulation is
// within it on the platform's own hardware too, and stays a pass (marked as emulated); a reading
// over its limit may be the emulator's and proves nothing about the image, so it is said with its
// number and not judged (skip) — a false error on every emulated platform would teach users to
// ignore the check. What the figure does not depend on (an exit code, a crash, a spinning thread)
// is judged as usual by the check itself.

export { emulatedBuild, emulatedRun } from '../evidence/emulation.js';

/** `what`: the figure, as the message names it ("the startup time", "the idle CPU"). */
export function judgedUnderEmulation(verdict: Verdict, emulation: Emulation | null, what: string): Verdict {
  if (!emulation || (verdict.status !== 'pass' && verdict.status !== 'fail')) return verdict;
  if (verdict.status === 'pass')
    return {
      ...verdict,
      message: `${verdict.message}; measured under ${describeEmulation(emulation)}, which only makes ${what} worse`,
    };
  return notJudgedUnderEmulation(verdict, emulation, `${what} worse`);
}

/** A failure the emulator alone could cause, said with its numbers and not judged. */
export function notJudgedUnderEmulation(verdict: Verdict, emulation: Emulation, because: string): Verdict {
  return {
    ...verdict,
    status: 'skip',
    message: `${verdict.message}; measured under ${describeEmulation(emulation)}, which makes ${because}, so this proves nothing about the image: not judged (prove it on ${emulation.platform} hardware)`,
  };
}
