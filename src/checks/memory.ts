import { NEVER_READY } from './describe.js';
import { formatBytes, formatSeconds } from '../util/format.js';
import { emulatedRun, judgedUnderEmulation } from './emulated.js';
import { defineCheck } from './registry.js';

// HARD-MEMORY-001: the memory the service holds while idle, measured.

export const checkIdleMemory = defineCheck({
  id: 'HARD-MEMORY-001',
  category: 'memory',
  severity: 'warning',
  title: 'Idle memory',
  proves:
    'The most memory the ready, idle container used over the sampling window (as `docker stats` counts it) is within max-idle-memory-mb; a service still busy with its start-up work after it became ready is sampled once it settles.',
  why: 'Idle memory is paid by every replica all the time; the production profile targets under 512 MB.',
  threshold: 'max-idle-memory-mb: 512',
  remediation: 'Load less at startup (lazy imports, smaller caches), and run fewer worker processes when idle.',
  needs: ['runtime'],
  run({ runtime }, { settings, evidence }) {
    const { idle } = runtime.service;
    if (!idle) return { status: 'skip', message: 'the container did not stay up, so it was not sampled idle' };
    if (runtime.service.readiness.outcome === 'timeout') return NEVER_READY;
    const limit = settings.maxIdleMemoryMb * 1e6;
    const settled = idle.settled
      ? `, sampled once it settled, ${formatSeconds(idle.settled.afterSeconds)} after it became ready`
      : '';
    // QEMU's own memory (its translation cache) is counted with the container's.
    return judgedUnderEmulation(
      {
        status: idle.memoryBytesMax <= limit ? 'pass' : 'fail',
        message: `${formatBytes(idle.memoryBytesMax)} at most over ${formatSeconds(idle.windowSeconds)} (${idle.samples} samples; limit ${settings.maxIdleMemoryMb} MB)${settled}`,
        measured: idle.memoryBytesMax,
        target: limit,
      },
      emulatedRun(evidence),
      'the memory held',
    );
  },
});
