import { describe, expect, it } from '@jest/globals';
import { emulationOf } from '../../src/evidence/emulation.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import type { RuntimeEvidence } from '../../src/evidence/runtime/records.js';
import { copy, judge, recorded, result } from '../helpers/evidence.js';

// The runtime checks on the hardened example recorded on Docker 28.5 (an amd64 host), with its
// image said to be arm64 — as a run with `platform: linux/arm64` under QEMU records it — and one
// figure moved past its limit. Natively each is a failure; under emulation the same figure is said
// and not judged, and a figure within its limit stays a pass, marked.

const hardened = recorded('hardened', '28.5-containerd');

function variant(arm64: boolean, change: (runtime: RuntimeEvidence) => void = () => undefined): EvidenceSet {
  const evidence = copy(hardened.evidence);
  if (evidence.runtime.state !== 'collected' || evidence.image.state !== 'collected')
    throw new Error('recorded evidence has no runtime or image');
  if (arm64) evidence.image.value.architecture = 'arm64';
  change(evidence.runtime.value);
  return evidence;
}

const UNDER_QEMU = 'measured under QEMU emulation (linux/arm64 on an amd64 host)';

const SLOW: Record<string, (runtime: RuntimeEvidence) => void> = {
  'HARD-STARTUP-002': (runtime) => Object.assign(runtime.service.readiness, { readySeconds: 7.9 }),
  'HARD-MEMORY-001': (runtime) => Object.assign(runtime.service.idle!, { memoryBytesMax: 600e6 }),
  'HARD-CPU-001': (runtime) => Object.assign(runtime.service.idle!, { cpu: 0.8 }),
  'HARD-SHUTDOWN-001': (runtime) => Object.assign(runtime.service.stop!, { seconds: 6.1, exitCode: 137 }),
  'HARD-HEALTH-005': (runtime) => Object.assign(runtime.service.readiness, { attemptSeconds: [0.2, 19.5] }),
};

describe('emulationOf', () => {
  it('is the image platform on another host, and nothing where the host runs it natively', () => {
    expect(emulationOf({ os: 'linux', architecture: 'arm64' }, 'amd64')).toEqual({
      platform: 'linux/arm64',
      host: 'amd64',
    });
    expect(emulationOf({ os: 'linux', architecture: 'arm', variant: 'v7' }, 'x86_64')?.platform).toBe('linux/arm/v7');
    expect(emulationOf({ os: 'linux', architecture: 'amd64' }, 'x86_64')).toBeNull();
    expect(emulationOf({ os: 'linux', architecture: '386' }, 'amd64')).toBeNull();
    expect(emulationOf({ os: 'linux', architecture: 'arm64' }, 'aarch64')).toBeNull();
    expect(emulationOf({ os: 'linux', architecture: '' }, 'amd64')).toBeNull();
  });
});

describe('runtime figures measured under emulation', () => {
  it.each(Object.keys(SLOW))('%s: over its limit fails natively, and is said but not judged under QEMU', (id) => {
    const native = result(judge(variant(false, SLOW[id])), id);
    expect(native.status).toBe('fail');
    expect(native.message).not.toContain('QEMU');
    const emulated = result(judge(variant(true, SLOW[id])), id);
    expect(emulated.status).toBe('skip');
    expect(emulated.message).toContain(`${UNDER_QEMU}, which makes`);
    expect(emulated.message).toContain('not judged (prove it on linux/arm64 hardware)');
    // The figure is kept: the reader sees what was measured.
    expect(emulated.measured).toEqual(native.measured);
  });

  it('keeps a pass within its limit as a pass, marked as measured under emulation', () => {
    const results = judge(variant(true));
    for (const id of [
      'HARD-STARTUP-001',
      'HARD-STARTUP-002',
      'HARD-MEMORY-001',
      'HARD-CPU-001',
      'HARD-SHUTDOWN-001',
      'HARD-HEALTH-003',
      'HARD-HEALTH-005',
    ]) {
      expect([id, result(results, id).status]).toEqual([id, 'pass']);
      expect(result(results, id).message).toContain(`${UNDER_QEMU}, which only makes`);
    }
    // What emulation does not change is judged and said as natively.
    for (const id of ['HARD-USER-003', 'HARD-INIT-001', 'HARD-HEALTH-004'])
      expect(result(results, id).message).not.toContain('QEMU');
  });

  it('never ready in time: a failure natively, not judged under QEMU; a crash or a broken probe fails on both', () => {
    const never = (runtime: RuntimeEvidence): void => {
      Object.assign(runtime.service.readiness, {
        outcome: 'timeout',
        readySeconds: null,
        attempts: 120,
        lastExitCode: 1,
      });
      runtime.service.idle = null;
    };
    for (const id of ['HARD-STARTUP-001', 'HARD-HEALTH-003']) {
      expect(result(judge(variant(false, never)), id).status).toBe('fail');
      expect(result(judge(variant(true, never)), id)).toMatchObject({ status: 'skip' });
    }
    const crashed = (runtime: RuntimeEvidence): void => {
      never(runtime);
      runtime.service.exited = { exitCode: 1, oomKilled: false, afterSeconds: 0.3, logTail: 'exec format error' };
    };
    expect(result(judge(variant(true, crashed)), 'HARD-STARTUP-001').status).toBe('fail');
    const broken = (runtime: RuntimeEvidence): void => {
      never(runtime);
      runtime.service.readiness.outcome = 'probe-broken';
    };
    expect(result(judge(variant(true, broken)), 'HARD-HEALTH-003').status).toBe('fail');
  });

  it('a thread that spins fails under QEMU too: it never blocks on any hardware', () => {
    const spinning = (runtime: RuntimeEvidence): void => {
      Object.assign(runtime.service.idle!, { cpu: 1, cpuUsed: 0.6, spinning: { threads: 1 } });
    };
    expect(result(judge(variant(true, spinning)), 'HARD-CPU-001').status).toBe('fail');
  });

  it("keeps HARD-HEALTH-005's configured interval and timeout judged under QEMU, its measured times not", () => {
    const both = (runtime: RuntimeEvidence): void => SLOW['HARD-HEALTH-005'](runtime);
    const evidence = variant(true, both);
    if (evidence.image.state !== 'collected' || !evidence.image.value.healthcheck) throw new Error('no healthcheck');
    evidence.image.value.healthcheck.effective.interval = 60;
    const verdict = result(judge(evidence), 'HARD-HEALTH-005');
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain(
      "the interval 60 s is above the production profile's 30 s; the slowest probe took 19.5 s",
    );
    expect(verdict.message).toMatch(/which makes the probe and startup times several times worse, .*: not judged/);
  });
});
