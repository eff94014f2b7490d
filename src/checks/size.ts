import type { FilesystemEvidence, ImageSizeRecord } from '../evidence/filesystem.js';
import { formatBytes, megabytes } from '../util/format.js';
import type { Locator } from '../evidence/locate.js';
import { defineCheck } from './registry.js';
import { where } from './where.js';

// The image's size, measured from its layers the same way on every image store (the engine's own
// `Size` is unpacked bytes on overlay2 and compressed content on the containerd store).

export const checkImageSize = defineCheck({
  id: 'HARD-SIZE-001',
  category: 'size',
  severity: 'error',
  title: 'Image size (unpacked)',
  proves:
    "The image unpacked — the bytes of its layers' files, base layers and files deleted by later layers included — is no larger than max-image-size-mb.",
  why: 'What the image occupies on every node that runs it, and attack surface; every megabyte is also pulled on every deploy. The production profile targets under 500 MB.',
  threshold: 'max-image-size-mb: 500',
  remediation:
    'Use a multi-stage build so compilers and caches stay in the builder; install with --no-install-recommends and remove package lists in the same RUN; use a slim base.',
  needs: ['filesystem'],
  run({ filesystem }, { settings, locate }) {
    const { size } = filesystem;
    const limitBytes = settings.maxImageSizeMb * 1e6;
    const within = size.unpackedBytes <= limitBytes;
    const verdict = {
      status: within ? 'pass' : 'fail',
      message: `the image unpacks to ${formatBytes(size.unpackedBytes)} (limit ${settings.maxImageSizeMb} MB)${compressedNote(size)}`,
      measured: size.unpackedBytes,
      target: limitBytes,
    } as const;
    // The annotation belongs on the instruction that added the most bytes.
    const largest = largestOwnLayer(filesystem, locate);
    const location = largest ? locate.layer(largest.index) : undefined;
    if (!within && largest) {
      const own = filesystem.layers
        .filter((layer) => !locate.isBaseLayer(layer.index))
        .reduce((sum, layer) => sum + layer.sizeBytes, 0);
      const base = megabytes(size.unpackedBytes - own);
      return {
        ...verdict,
        message: `${verdict.message}; the largest own layer adds ${formatBytes(largest.sizeBytes)}, the base image about ${base.toFixed(1)} MB`,
        ...where(location),
      };
    }
    return { ...verdict, ...where(location) };
  },
});

export const checkCompressedSize = defineCheck({
  id: 'HARD-SIZE-002',
  category: 'size',
  severity: 'warning',
  title: 'Image size (compressed, what a pull transfers)',
  proves:
    'The image compressed — its layers as a registry stores and a pull transfers them — is no larger than max-compressed-size-mb, when that limit is set.',
  why: 'Pull time on every deploy, scale-out and cold node is set by the compressed size; registries and air-gapped transfers often have their own limits.',
  threshold: 'max-compressed-size-mb: none (reported where the store keeps compressed layers)',
  remediation:
    'The same as for the unpacked size; also avoid adding already-compressed archives that a later step unpacks (the archive stays in its layer).',
  needs: ['filesystem'],
  run({ filesystem }, { settings, locate }) {
    const { size } = filesystem;
    const limit = settings.maxCompressedSizeMb;
    if (limit === null) {
      const seen =
        size.compressedBytes === null
          ? 'the image store keeps the layers uncompressed (overlay2), so the compressed size is known only by compressing them: set max-compressed-size-mb to measure and judge it'
          : `compressed ${formatBytes(size.compressedBytes)} (${size.layerCompression}, as the image store keeps the layers)`;
      return {
        status: 'skip',
        message: `no max-compressed-size-mb set; ${seen}`,
        ...(size.compressedBytes === null ? {} : { measured: size.compressedBytes }),
      };
    }
    if (size.compressedBytes === null) return { status: 'skip', message: 'the compressed size was not measured' };
    const limitBytes = limit * 1e6;
    const how =
      size.compressedFrom === 'gzip'
        ? 'gzip-compressed here as a push would send it (the store keeps layers uncompressed)'
        : `${size.layerCompression}, as the image store keeps the layers`;
    const largest = [...filesystem.layers]
      .filter((layer) => !locate.isBaseLayer(layer.index))
      .sort((a, b) => (b.compressedBytes ?? 0) - (a.compressedBytes ?? 0))[0];
    return {
      status: size.compressedBytes <= limitBytes ? 'pass' : 'fail',
      message: `the image is ${formatBytes(size.compressedBytes)} compressed, ${how} (limit ${limit} MB)`,
      measured: size.compressedBytes,
      target: limitBytes,
      ...where(largest ? locate.layer(largest.index) : undefined),
    };
  },
});

function compressedNote(size: ImageSizeRecord): string {
  return size.compressedBytes === null ? '' : `; ${formatBytes(size.compressedBytes)} compressed`;
}

function largestOwnLayer(
  filesystem: FilesystemEvidence,
  locate: Locator,
): FilesystemEvidence['layers'][number] | undefined {
  return filesystem.layers
    .filter((layer) => !locate.isBaseLayer(layer.index))
    .sort((a, b) => b.sizeBytes - a.sizeBytes)[0];
}
