import { describeEmulation, emulationOf, type Emulation } from '../evidence/emulation.js';
import type { EvidenceSet } from '../evidence/types.js';
import type { Verdict } from './registry.js';

// How the runtime checks judge a figure measured under emulation. QEMU can only make a time, the
// CPU used or the memory held worse, never better: a reading within its limit under emulation is
// within it on the platform's own hardware too, and stays a pass (marked as emulated); a reading
// over its limit may be QEMU's and proves nothing about the image, so it is said with its number
// and not judged (skip) — a false error on every emulated platform would teach users to ignore
// the check. What the figure does not depend on (an exit code, a crash, a spinning thread) is
// judged as usual by the check itself.

/** The run's emulation: the image's architecture against the engine host's; null when native. */
export function emulatedRun(evidence: EvidenceSet): Emulation | null {
  if (evidence.image.state !== 'collected' || evidence.engine.state !== 'collected') return null;
  return emulationOf(evidence.image.value, evidence.engine.value.architecture);
}

/** `what`: the figure, as the message names it ("the startup time", "the idle CPU"). */
export function judgedUnderEmulation(verdict: Verdict, emulation: Emulation | null, what: string): Verdict {
  if (!emulation || (verdict.status !== 'pass' && verdict.status !== 'fail')) return verdict;
  const under = describeEmulation(emulation);
  if (verdict.status === 'pass')
    return { ...verdict, message: `${verdict.message}; measured under ${under}, which only makes ${what} worse` };
  return {
    ...verdict,
    status: 'skip',
    message: `${verdict.message}; measured under ${under}, which makes ${what} several times worse, so over the limit here proves nothing about the image: not judged (prove it on ${emulation.platform} hardware)`,
  };
}
