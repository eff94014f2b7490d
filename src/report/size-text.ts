import type { Metrics } from '../model.js';
import { formatBytes } from '../util/format.js';

/** ` · 204.7 MB unpacked (76.6 MB compressed)` for headlines; empty when nothing was measured. */
export function sizeText(metrics: Metrics): string {
  const { imageSizeBytes, compressedSizeBytes } = metrics;
  if (imageSizeBytes === null) return '';
  return ` · ${formatBytes(imageSizeBytes)} unpacked${compressedSizeBytes === null ? '' : ` (${formatBytes(compressedSizeBytes)} compressed)`}`;
}
