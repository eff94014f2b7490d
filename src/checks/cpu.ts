import { NEVER_READY } from './describe.js';
import { formatSeconds } from '../util/format.js';
import { emulatedRun, judgedUnderEmulation } from './emulated.js';
import { defineCheck } from './registry.js';

// HARD-CPU-001: the CPU the service uses while idle, measured.

export const checkIdleCpu = defineCheck({
  id: 'HARD-CPU-001',
  category: 'cpu',
  severity: 'warning',
  title: 'Idle CPU',
  proves:
    'The CPU the ready, idle container used over the sampling window is within max-idle-cpu (in CPUs); a thread that spun through the whole window without ever blocking counts as the whole core it wants, whatever share a busy machine gave it. A service busy right after it became ready (a dev server compiling once it listens) is watched until it settles, within ready-timeout-seconds of its start, and sampled then; one still busy then is judged busy.',
  why: 'A service that spins when idle wastes a share of every node it runs on; the production profile targets under 0.5 CPU.',
  threshold: 'max-idle-cpu: 0.5',
  remediation: 'Look for busy loops and tight polling; wait on sockets or timers instead.',
  needs: ['runtime'],
  run({ runtime }, { settings, evidence }) {
    const { idle } = runtime.service;
    if (!idle) return { status: 'skip', message: 'the container did not stay up, so it was not sampled idle' };
    if (runtime.service.readiness.outcome === 'timeout') return NEVER_READY;
    const spun = idle.spinning?.threads ?? 0;
    const spinning =
      spun > 0
        ? `: ${spun > 1 ? `${spun} threads` : '1 thread'} spun through the window without ever blocking, counted as ${spun > 1 ? 'a whole core each' : 'a whole core'} (the engine counted ${(idle.cpuUsed ?? idle.cpu).toFixed(3)} CPU, the share this machine gave ${spun > 1 ? 'them' : 'it'})`
        : '';
    // Busy right after it became ready (start-up work: a dev server compiling), it was sampled once it settled.
    const settled = idle.settled
      ? `, once it settled: it was busy (${idle.settled.busyCpu.toFixed(3)} CPU) for ${formatSeconds(idle.settled.afterSeconds)} after it became ready, finishing its start-up`
      : '';
    // A worker's window starts in the quiet span that ended its watch: counted too, when higher.
    const quiet =
      idle.quietBeforeSeconds !== undefined
        ? ` and the ${formatSeconds(idle.quietBeforeSeconds)} of next to no CPU just before it`
        : '';
    const verdict = {
      status: idle.cpu <= settings.maxIdleCpu ? ('pass' as const) : ('fail' as const),
      message: `${idle.cpu.toFixed(3)} CPU on average over ${formatSeconds(idle.windowSeconds)}${quiet} (limit ${settings.maxIdleCpu})${spinning}${settled}`,
      measured: idle.cpu,
      target: settings.maxIdleCpu,
    };
    // A thread that never blocks spins on any hardware; QEMU only makes the rest cost more.
    return spun > 0 ? verdict : judgedUnderEmulation(verdict, emulatedRun(evidence), 'the CPU used');
  },
});
