import { formatBytes, megabytes } from '../util/format.js';
import { defineCheck } from './registry.js';

export const checkImageSize = defineCheck({
  id: 'HARD-SIZE-001',
  category: 'size',
  severity: 'error',
  title: 'Image size',
  proves: 'The image, base layers included, is no larger than max-image-size-mb.',
  why: 'Every megabyte is pulled on every deploy and scale-out, and is attack surface; the seed targets under 500 MB.',
  threshold: 'max-image-size-mb: 500',
  remediation: 'Use a multi-stage build so compilers and caches stay in the builder; install with --no-install-recommends and remove package lists in the same RUN; use a slim base.',
  needs: ['image'],
  run({ image }, { settings, locate, evidence }) {
    const limitBytes = settings.maxImageSizeMb * 1e6;
    const within = image.sizeBytes <= limitBytes;
    const verdict = {
      status: within ? 'pass' : 'fail',
      message: `the image is ${formatBytes(image.sizeBytes)} (limit ${settings.maxImageSizeMb} MB)`,
      measured: image.sizeBytes,
      target: limitBytes,
    } as const;
    // The annotation belongs on the instruction that added the most bytes.
    const filesystem = evidence.filesystem.state === 'collected' ? evidence.filesystem.value : undefined;
    const own = filesystem?.layers.filter((layer) => !locate.isBaseLayer(layer.index)) ?? [];
    const largest = own.sort((a, b) => b.sizeBytes - a.sizeBytes)[0];
    const location = largest ? locate.layer(largest.index) : undefined;
    if (!within && largest) {
      const base = megabytes(image.sizeBytes - own.reduce((sum, layer) => sum + layer.sizeBytes, 0));
      return {
        ...verdict,
        message: `${verdict.message}; the largest own layer adds ${formatBytes(largest.sizeBytes)}, the base image about ${base.toFixed(1)} MB`,
        ...(location ? { location } : {}),
      };
    }
    return { ...verdict, ...(location ? { location } : {}) };
  },
});

export const checkLayerCount = defineCheck({
  id: 'HARD-LAYERS-001',
  category: 'layers',
  severity: 'warning',
  title: 'Layer count',
  proves: 'The image has no more filesystem layers than max-layers, base layers included.',
  why: 'Many layers slow pulls and hide deleted files in lower layers; the seed targets under 20.',
  threshold: 'max-layers: 20',
  remediation: 'Combine related RUN steps (install and clean up in one RUN), and copy from the builder stage in few COPY steps.',
  needs: ['image'],
  run({ image }, { settings, locate }) {
    const within = image.layers <= settings.maxLayers;
    const location = locate.finalFrom();
    return {
      status: within ? 'pass' : 'fail',
      message: `the image has ${image.layers} layers (limit ${settings.maxLayers})`,
      measured: image.layers,
      target: settings.maxLayers,
      ...(location ? { location } : {}),
    };
  },
});
