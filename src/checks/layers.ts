import { where } from './where.js';
import { defineCheck } from './registry.js';

// HARD-LAYERS-001: how many filesystem layers the image has, base layers included.

export const checkLayerCount = defineCheck({
  id: 'HARD-LAYERS-001',
  category: 'layers',
  severity: 'warning',
  title: 'Layer count',
  proves: 'The image has no more filesystem layers than max-layers, base layers included.',
  why: 'Many layers slow pulls and hide deleted files in lower layers; the production profile targets under 20.',
  threshold: 'max-layers: 20',
  remediation:
    'Combine related RUN steps (install and clean up in one RUN), and copy from the builder stage in few COPY steps.',
  needs: ['image'],
  run({ image }, { settings, locate }) {
    const within = image.layers <= settings.maxLayers;
    return {
      status: within ? 'pass' : 'fail',
      message: `the image has ${image.layers} layers (limit ${settings.maxLayers})`,
      measured: image.layers,
      target: settings.maxLayers,
      ...where(locate.finalFrom()),
    };
  },
});
