import type { ImageEvidence } from '../evidence/image.js';
import type { ProcessRecord } from '../evidence/runtime/records.js';
import { builtStages, setsUpS6Overlay } from '../evidence/dockerfile.js';
import type { EvidenceSet } from '../evidence/types.js';
import { type Pid1Hints, S6_OVERLAY_PATHS } from '../util/commands.js';

// What PID 1 is: its command, measured or configured, and what tells an init by its path.

/** PID 1's command: measured (`docker top`) when the service ran, else what the image config says. */
export function pid1Command(
  image: ImageEvidence,
  processes: ProcessRecord[] | null,
): { command: string; measured: boolean } {
  const init = processes?.find((process) => process.init);
  if (init) return { command: init.command, measured: true };
  return { command: [...(image.entrypoint ?? []), ...(image.cmd ?? [])].join(' '), measured: false };
}

/** What tells an init by its path: s6-overlay's files in the image, else its setup in the Dockerfile. */
export function pid1Hints(evidence: EvidenceSet): Pid1Hints {
  if (evidence.filesystem.state === 'collected')
    return { s6Overlay: Object.keys(evidence.filesystem.value.files).some((path) => S6_OVERLAY_PATHS.test(path)) };
  if (evidence.dockerfile.state === 'collected')
    return { s6Overlay: setsUpS6Overlay(builtStages(evidence.dockerfile.value)) };
  return {};
}
