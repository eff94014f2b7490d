import type { Locator } from '../evidence/locate.js';
import type { FilesystemEvidence } from '../evidence/filesystem.js';
import type { SizeBreakdown } from '../model.js';

// The production checklist's "Size Optimization Results", measured: every byte of the image's files assigned to
// one component by where it lives and which layer put it there.

export function measureSizeBreakdown(filesystem: FilesystemEvidence, locate: Locator): SizeBreakdown {
  const breakdown: SizeBreakdown = {
    baseImageBytes: 0,
    systemPackagesBytes: 0,
    buildToolsBytes: 0,
    languagePackagesBytes: 0,
    applicationCodeBytes: 0,
    shadowedBytes: 0,
  };
  // Without the Dockerfile no layer is known to be the base's: every layer is classified by where
  // its files live, and the base image's share is reported as unknown rather than guessed.
  const knowsBase = locate.knowsBase();
  if (!knowsBase) breakdown.baseImageBytes = null;
  for (const layer of filesystem.layers) {
    if (knowsBase && locate.isBaseLayer(layer.index)) {
      breakdown.baseImageBytes! += layer.sizeBytes;
      continue;
    }
    const { buildTools, languagePackages, workdir, other } = layer.visible;
    breakdown.buildToolsBytes += buildTools;
    breakdown.languagePackagesBytes += languagePackages;
    // Files under the WORKDIR are the application; so is whatever a COPY from the context brought.
    if (copiedFromContext(layer.index, locate)) breakdown.applicationCodeBytes += workdir + other;
    else {
      breakdown.applicationCodeBytes += workdir;
      breakdown.systemPackagesBytes += other;
    }
    breakdown.shadowedBytes += Math.max(0, layer.sizeBytes - (buildTools + languagePackages + workdir + other));
  }
  return breakdown;
}

/** A layer made by a COPY/ADD from the build context (not --from another stage). */
function copiedFromContext(layer: number, locate: Locator): boolean {
  const instruction = locate.instructionOfLayer(layer);
  return (
    instruction !== undefined &&
    (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') &&
    instruction.flags.from === undefined
  );
}
