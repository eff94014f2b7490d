import type { Report } from '../model.js';
import { formatBytes } from '../util/format.js';

/** ` · 204.7 MB unpacked (76.6 MB compressed)` for headlines; empty when nothing was measured. */
export function sizeText(report: Report): string {
  const { imageSizeBytes, compressedSizeBytes } = report.metrics;
  if (imageSizeBytes === null) return '';
  return ` · ${formatBytes(imageSizeBytes)} unpacked${compressedSizeBytes === null ? '' : ` (${formatBytes(compressedSizeBytes)} compressed)`}`;
}
