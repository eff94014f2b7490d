import type { FilesystemEvidence } from '../evidence/filesystem.js';
import type { Locator } from '../evidence/locate.js';
import type { Verdict } from './registry.js';
import { where } from './where.js';

// Findings about files, grouped by the layer that added them: one verdict — one annotation — on
// the instruction to change, rather than one per file.

/** "the base image", or the instruction that made the layer. */
export function layerOrigin(layer: number, filesystem: FilesystemEvidence, locate: Locator): string {
  if (locate.isBaseLayer(layer)) return 'the base image';
  return (filesystem.layers[layer]?.createdBy ?? `layer ${layer}`).replace(/ # buildkit$/, '');
}

export function failPerLayer<T extends { layer: number }>(
  items: T[],
  filesystem: FilesystemEvidence,
  locate: Locator,
  describe: (items: T[], origin: string) => string,
  measure: (items: T[]) => unknown,
): Verdict[] {
  const byLayer = new Map<number, T[]>();
  for (const item of items) byLayer.set(item.layer, [...(byLayer.get(item.layer) ?? []), item]);
  return [...byLayer].map(([layer, found]) => ({
    status: 'fail',
    message: describe(found, layerOrigin(layer, filesystem, locate)),
    measured: measure(found),
    ...where(locate.layer(layer) ?? locate.finalFrom()),
  }));
}
