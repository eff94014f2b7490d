import { describe, expect, it } from '@jest/globals';
import { emulationOf } from '../../src/evidence/emulation.js';
import { processesOfTop } from '../../src/evidence/runtime/service.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import type { RuntimeEvidence } from '../../src/evidence/runtime/records.js';
import { metricRows } from '../../src/report/metric-rows.js';
import { copy, judge, recorded, result, targetOf } from '../helpers/evidence.js';

// The runtime checks on the hardened example recorded on Docker 28.5 (an amd64 host), with its
// image said to be arm64 and its processes seen behind QEMU — as a run with `platform:
// linux/arm64` under QEMU records them — and one figure moved past its limit. Natively each is a
// failure; under emulation the same figure is said and not judged, and a figure within its limit
// stays a pass, marked.

const QEMU = '/usr/libexec/qemu-binfmt/aarch64-binfmt-P';

const hardened = recorded('hardened', '28.5-containerd');

function variant(
  arm64: boolean,
  change: (runtime: RuntimeEvidence) => void = () => undefined,
  emulator: string | null = QEMU,
): EvidenceSet {
  const evidence = copy(hardened.evidence);
  if (evidence.runtime.state !== 'collected' || evidence.image.state !== 'collected')
    throw new Error('recorded evidence has no runtime or image');
  if (arm64) {
    evidence.image.value.architecture = 'arm64';
    for (const process of evidence.runtime.value.service.processes ?? []) if (emulator) process.emulator = emulator;
  }
  change(evidence.runtime.value);
  return evidence;
}

const EMULATED = 'emulation (linux/arm64 on this amd64 host, by QEMU)';
const UNDER_QEMU = `measured under ${EMULATED}`;

const SLOW: Record<string, (runtime: RuntimeEvidence) => void> = {
  'HARD-STARTUP-002': (runtime) => Object.assign(runtime.service.readiness, { readySeconds: 7.9 }),
  'HARD-MEMORY-001': (runtime) => Object.assign(runtime.service.idle!, { memoryBytesMax: 600e6 }),
  'HARD-CPU-001': (runtime) => Object.assign(runtime.service.idle!, { cpu: 0.8 }),
  'HARD-SHUTDOWN-001': (runtime) => Object.assign(runtime.service.stop!, { seconds: 5.6, exitCode: 0 }),
  'HARD-HEALTH-005': (runtime) => Object.assign(runtime.service.readiness, { attemptSeconds: [0.2, 19.5] }),
};

describe('emulationOf', () => {
  it('is the image platform on another host, and nothing where the host runs it natively', () => {
    expect(emulationOf({ os: 'linux', architecture: 'arm64' }, 'amd64')).toEqual({
      platform: 'linux/arm64',
      host: 'amd64',
      by: null,
    });
    expect(emulationOf({ os: 'linux', architecture: 'arm64' }, 'amd64', [QEMU])?.by).toBe('QEMU');
    expect(emulationOf({ os: 'linux', architecture: 'amd64' }, 'arm64', ['/run/rosetta/rosetta'])?.by).toBe('Rosetta');
    // Processes read with nothing in front of them ran natively: a 32-bit arm image on an arm64
    // host that runs it, whatever the names say.
    expect(emulationOf({ os: 'linux', architecture: 'arm' }, 'arm64', [])).toBeNull();
    expect(emulationOf({ os: 'linux', architecture: 'arm' }, 'arm64')?.platform).toBe('linux/arm');
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
    expect(emulated.message).toContain(EMULATED);
    expect(emulated.message).toMatch(
      id === 'HARD-HEALTH-005'
        ? /; not judged under emulation \(.*\), which makes them worse: /
        : /, which makes .* worse, so this proves nothing about the image: not judged \(prove it on linux\/arm64 hardware\)$/,
    );
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
    expect(verdict.message).toContain("the interval 60 s is above the production profile's 30 s; not judged");
    expect(verdict.message).toContain(
      `; not judged under ${EMULATED}, which makes them worse: the slowest probe took 19.5 s`,
    );
  });
});

describe('what emulation changes, and what it does not', () => {
  it('judges an arm64 image whose processes ran with no emulator in front as native', () => {
    const verdict = result(judge(variant(true, SLOW['HARD-STARTUP-002'], null)), 'HARD-STARTUP-002');
    expect(verdict.status).toBe('fail');
    expect(verdict.message).not.toContain('emulation');
  });

  it('HARD-HEALTH-004: a probe that timed out with the service down proves nothing under QEMU; an exit code does', () => {
    const timedOut = (runtime: RuntimeEvidence): void => {
      Object.assign(runtime.downProbe!, { exitCode: -1, timedOut: true, seconds: 10 });
    };
    expect(result(judge(variant(false, timedOut)), 'HARD-HEALTH-004')).toMatchObject({ status: 'pass' });
    expect(result(judge(variant(true, timedOut)), 'HARD-HEALTH-004')).toMatchObject({
      status: 'skip',
      message: `with the service down it did not answer within 10 s; under ${EMULATED} a fake probe can time out too, so only an exit code would tell: not judged (prove it on linux/arm64 hardware)`,
    });
    const fake = (runtime: RuntimeEvidence): void => {
      Object.assign(runtime.downProbe!, { exitCode: 0, timedOut: false, seconds: 3.2 });
    };
    expect(result(judge(variant(true, fake)), 'HARD-HEALTH-004').status).toBe('fail');
    expect(result(judge(variant(true)), 'HARD-HEALTH-004').status).toBe('pass');
  });

  it('HARD-SHUTDOWN-001: killed (137) fails natively; under QEMU it is said, not judged, pointing at HARD-INIT-001', () => {
    const killed = (runtime: RuntimeEvidence): void => {
      Object.assign(runtime.service.stop!, { seconds: 6.1, exitCode: 137 });
    };
    expect(result(judge(variant(false, killed)), 'HARD-SHUTDOWN-001').status).toBe('fail');
    const emulated = result(judge(variant(true, killed)), 'HARD-SHUTDOWN-001');
    expect(emulated.status).toBe('skip');
    expect(emulated.message).toBe(
      `docker stop took 6.10 s and the container was killed (exit 137); under ${EMULATED} a shutdown that handles SIGTERM can outlast the timeout too, so this is not judged (prove it on linux/arm64 hardware); HARD-INIT-001 says whether PID 1 (\`tini -- python -m csmcp.server\`) forwards signals`,
    );
  });

  it("HARD-BUILD-002: a clean build of another platform's image ran its steps emulated", () => {
    const evidence = variant(true);
    if (evidence.build.state !== 'collected') throw new Error('recorded evidence has no build');
    Object.assign(evidence.build.value, {
      seconds: 420,
      steps: evidence.build.value.steps.map((step) => ({ ...step, cached: false })),
    });
    expect(result(judge(evidence), 'HARD-BUILD-002')).toMatchObject({ status: 'skip', measured: 420 });
  });

  it('reads `docker top` of an emulated service as its programs, and says what emulated them', () => {
    // Recorded: the hardened example built for linux/arm64, Docker 28.5 (containerd store), QEMU 7.2.
    const top = {
      Titles: ['PID', 'UID', 'GID', 'COMMAND'],
      Processes: [
        ['81234', '1000', '1000', `${QEMU} /usr/bin/tini tini -- python -m csmcp.server`],
        ['81270', '1000', '1000', `${QEMU} /opt/venv/bin/python python -m csmcp.server`],
      ],
    };
    expect(processesOfTop(top, 81234)).toEqual([
      { pid: 81234, uid: 1000, gid: 1000, command: 'tini -- python -m csmcp.server', init: true, emulator: QEMU },
      { pid: 81270, uid: 1000, gid: 1000, command: 'python -m csmcp.server', init: false, emulator: QEMU },
    ]);
    const native = { ...top, Processes: [['7', '0', '0', 'tini -- python -m csmcp.server']] };
    expect(processesOfTop(native, 7)).toEqual([
      { pid: 7, uid: 0, gid: 0, command: 'tini -- python -m csmcp.server', init: true },
    ]);
  });

  it('marks every figure of the metrics tables that emulation changes, and no other', () => {
    const target = targetOf(hardened, {}, 'error', variant(true));
    // The build's emulator is not seen (only the service's processes are): inferred, not named.
    expect(target.metrics.emulated).toEqual({
      build: 'linux/arm64 on this amd64 host',
      runtime: 'linux/arm64 on this amd64 host, by QEMU',
    });
    const rows = Object.fromEntries(metricRows(target).map((row) => [row.label, row.actual]));
    for (const label of [
      'Build time (clean)',
      'Container startup',
      'Memory usage (idle)',
      'CPU usage (idle)',
      'Stop time',
    ])
      expect(rows[label]).toMatch(/ \(emulated\)$/);
    // Sizes, layers, the user and the configured health timing are what the image is: exact.
    for (const label of [
      'Image size (unpacked)',
      'Layers',
      'Runs as',
      'Health check interval / timeout',
      'Build time (cached)',
    ])
      expect(rows[label]).not.toMatch(/emulated/);
    // Natively, nothing is marked and the report carries no emulation.
    const native = targetOf(hardened, {}, 'error', variant(false));
    expect(native.metrics.emulated).toBeUndefined();
    expect(metricRows(native).filter((row) => row.actual.includes('emulated'))).toEqual([]);
  });
});
