import type { EvidenceSet } from '../../src/evidence/types.js';
import type { RuntimeEvidence } from '../../src/evidence/runtime/records.js';
import { copy, judge, RECORDED_ENGINES, recorded, result } from '../helpers/evidence.js';

// The runtime checks on evidence recorded from real runs of the two examples, and on that
// evidence with one fact changed: each check has a failing and a passing case.

const hardened = recorded('hardened');

function withRuntime(base: EvidenceSet, change: (runtime: RuntimeEvidence) => void): EvidenceSet {
  const evidence = copy(base);
  if (evidence.runtime.state !== 'collected') throw new Error('recorded evidence has no runtime');
  change(evidence.runtime.value);
  return evidence;
}

const RUNTIME_CHECKS = [
  'HARD-USER-003',
  'HARD-TOOLS-001',
  'HARD-TOOLS-003',
  'HARD-HEALTH-001',
  'HARD-HEALTH-002',
  'HARD-HEALTH-003',
  'HARD-HEALTH-004',
  'HARD-HEALTH-005',
  'HARD-STARTUP-001',
  'HARD-STARTUP-002',
  'HARD-MEMORY-001',
  'HARD-CPU-001',
  'HARD-SHUTDOWN-001',
  'HARD-INIT-001',
  'HARD-INIT-002',
  'HARD-LABELS-001',
  'HARD-LABELS-002',
  'HARD-SECRETS-001',
  'HARD-SECRETS-002',
  'HARD-FILESYSTEM-001',
  'HARD-FILESYSTEM-002',
  'HARD-FILESYSTEM-003',
  'HARD-FILESYSTEM-004',
  'HARD-CACHE-001',
  'HARD-CACHE-002',
];

describe.each(RECORDED_ENGINES)('the examples recorded on %s', (engine) => {
  it('are recorded on every engine users run', () => {
    expect(RECORDED_ENGINES).toEqual(['20.10-overlay2', '28.5-containerd', '28.5-overlay2']);
  });

  it('hardened passes every runtime check', () => {
    const results = judge(recorded('hardened', engine).evidence, { 'expected-uid': '1000' });
    expect(RUNTIME_CHECKS.map((id) => `${id} ${result(results, id).status}`)).toEqual(
      RUNTIME_CHECKS.map((id) => `${id} pass`),
    );
  });

  it('legacy fails user, tools and health (fake probe), each with the measured value and its line', () => {
    const results = judge(recorded('legacy', engine).evidence);
    expect(result(results, 'HARD-USER-003')).toMatchObject({
      status: 'fail',
      measured: { uid: 0, method: 'processes' },
    });
    expect(result(results, 'HARD-TOOLS-001')).toMatchObject({ status: 'fail', location: { line: 6 } });
    expect(result(results, 'HARD-TOOLS-001').message).toMatch(
      /^as \(\/usr\/bin\/as\), c\+\+ \(\/usr\/bin\/c\+\+\), cc .*gcc \(\/usr\/bin\/gcc\), ld \(\/usr\/bin\/ld\), make \(\/usr\/bin\/make\) — added by RUN/,
    );
    expect(result(results, 'HARD-HEALTH-004')).toMatchObject({ status: 'fail', measured: 0, location: { line: 11 } });
    expect(result(results, 'HARD-SHUTDOWN-001')).toMatchObject({
      status: 'fail',
      measured: { exitCode: 137 },
      location: { line: 12 },
    });
    expect(result(results, 'HARD-INIT-001').message).toBe(
      'PID 1 is a shell (`/bin/sh -c python -m csmcp.server`): it does not forward SIGTERM to the app',
    );
    expect(result(results, 'HARD-FILESYSTEM-003')).toMatchObject({
      status: 'fail',
      measured: ['/app/.env'],
      location: { line: 8 },
    });
    expect(result(results, 'HARD-CACHE-002')).toMatchObject({ status: 'fail', location: { line: 8 } });
    expect(result(results, 'HARD-LABELS-001')).toMatchObject({
      status: 'fail',
      message: 'missing: maintainer, version, security.non-root',
    });
  });

  it('gives the same verdict as every other engine, check by check', () => {
    const verdicts = (name: string, example: 'hardened' | 'legacy'): string[] =>
      judge(recorded(example, name).evidence, { 'expected-uid': '1000' }).map((entry) => `${entry.id} ${entry.status}`);
    for (const other of RECORDED_ENGINES) {
      for (const example of ['hardened', 'legacy'] as const)
        expect(verdicts(engine, example)).toEqual(verdicts(other, example));
    }
  });

  it('measures the same unpacked size (±1 %) as every other engine', () => {
    const size = (name: string, example: 'hardened' | 'legacy'): number => {
      const filesystem = recorded(example, name).evidence.filesystem;
      if (filesystem.state !== 'collected') throw new Error('no filesystem evidence');
      return filesystem.value.size.unpackedBytes;
    };
    for (const other of RECORDED_ENGINES) {
      for (const example of ['hardened', 'legacy'] as const)
        expect(Math.abs(size(engine, example) / size(other, example) - 1)).toBeLessThan(0.01);
    }
  });
});

describe('HARD-USER-003', () => {
  it('fails a root process even when PID 1 is not root, and an unexpected UID', () => {
    const evidence = withRuntime(hardened.evidence, (runtime) => {
      runtime.identity = {
        uid: 0,
        gid: 0,
        method: 'processes',
        detail: 'processes of the running service: nginx (UID 0), nginx (UID 101)',
      };
    });
    expect(result(judge(evidence), 'HARD-USER-003')).toMatchObject({
      status: 'fail',
      message: 'runs as root (UID 0) — processes of the running service: nginx (UID 0), nginx (UID 101)',
    });
    expect(result(judge(hardened.evidence, { 'expected-uid': '1001' }), 'HARD-USER-003')).toMatchObject({
      status: 'fail',
    });
  });
});

describe('HARD-HEALTH-004 / -003 / -005', () => {
  it('counts a probe that hangs with the service down as real (Docker calls that unhealthy)', () => {
    const evidence = withRuntime(hardened.evidence, (runtime) =>
      Object.assign(runtime.downProbe!, { exitCode: null, timedOut: true }),
    );
    expect(result(judge(evidence), 'HARD-HEALTH-004')).toMatchObject({ status: 'pass' });
  });

  it('skips a probe that could not start (HARD-HEALTH-002 reports it)', () => {
    const evidence = withRuntime(hardened.evidence, (runtime) =>
      Object.assign(runtime.downProbe!, { exitCode: null, error: 'executable file not found in $PATH' }),
    );
    expect(result(judge(evidence), 'HARD-HEALTH-004').status).toBe('skip');
  });

  it('fails a probe that never passed, with its last output', () => {
    const evidence = withRuntime(hardened.evidence, (runtime) => {
      Object.assign(runtime.service.readiness, {
        outcome: 'timeout',
        readySeconds: null,
        attempts: 120,
        lastExitCode: 1,
        lastOutput: 'connection refused\n',
        waitedSeconds: 30.1,
      });
    });
    expect(result(judge(evidence), 'HARD-HEALTH-003').message).toBe(
      'it never passed in 30.1 s (120 attempts, last exit code 1); last output: connection refused',
    );
  });

  it('fails a timeout the probe nearly uses, and a start period shorter than startup', () => {
    const slowProbe = withRuntime(hardened.evidence, (runtime) => runtime.service.readiness.attemptSeconds.push(6));
    expect(result(judge(slowProbe), 'HARD-HEALTH-005').message).toContain(
      'the slowest probe took 6 s, more than half the 10 s timeout',
    );
    const slowStart = withRuntime(hardened.evidence, (runtime) =>
      Object.assign(runtime.service.readiness, { readySeconds: 100 }),
    );
    expect(result(judge(slowStart), 'HARD-HEALTH-005').message).toContain(
      'startup took 100 s, longer than start period + interval × retries = 95 s',
    );
  });
});

describe('startup, idle, stop', () => {
  it('skip what was not measured, and fail over the limits', () => {
    const exited = withRuntime(hardened.evidence, (runtime) => {
      runtime.service.exited = { exitCode: 137, oomKilled: true, afterSeconds: 1.5, logTail: 'allocating' };
      runtime.service.idle = null;
      runtime.service.stop = null;
      runtime.service.readiness.readySeconds = null;
    });
    const results = judge(exited);
    expect(result(results, 'HARD-STARTUP-001').message).toBe(
      'the container exited with code 137 after 1.50 s (killed: out of memory); last log lines: allocating',
    );
    expect(
      ['HARD-STARTUP-002', 'HARD-MEMORY-001', 'HARD-CPU-001', 'HARD-SHUTDOWN-001'].map(
        (id) => result(results, id).status,
      ),
    ).toEqual(['skip', 'skip', 'skip', 'skip']);
    const tight = judge(hardened.evidence, {
      'max-idle-memory-mb': '1',
      'max-idle-cpu': '0',
      'max-startup-seconds': '0.01',
      'max-stop-seconds': '0.01',
    });
    expect(['HARD-MEMORY-001', 'HARD-STARTUP-002', 'HARD-SHUTDOWN-001'].map((id) => result(tight, id).status)).toEqual([
      'fail',
      'fail',
      'fail',
    ]);
  });
});

describe('HARD-CPU-001 of a worker', () => {
  it('names the sampled window and the quiet span it began in', () => {
    const worker = withRuntime(hardened.evidence, (runtime) => {
      runtime.service.idle = { ...runtime.service.idle!, cpu: 0.0004, windowSeconds: 1.42, quietBeforeSeconds: 0.58 };
    });
    expect(result(judge(worker), 'HARD-CPU-001')).toMatchObject({
      status: 'pass',
      message: '0.000 CPU on average over 1.42 s and the 0.58 s of next to no CPU just before it (limit 0.5)',
    });
  });
});

describe('HARD-TOOLS-003', () => {
  it('fails dev tools in the image by the layer that added them, and a dev server as the command', () => {
    const evidence = copy(hardened.evidence);
    if (evidence.filesystem.state !== 'collected' || evidence.image.state !== 'collected')
      throw new Error('recorded evidence has no filesystem or image');
    const { files } = evidence.filesystem.value;
    const layer = Math.max(...Object.values(files).map((entry) => entry.layer));
    const record = Object.values(files).find((entry) => entry.type === 'file' && (entry.mode & 0o111) !== 0)!;
    files['/app/node_modules/nodemon/bin/nodemon.js'] = {
      ...record,
      path: '/app/node_modules/nodemon/bin/nodemon.js',
      layer,
    };
    files['/app/node_modules/.bin/nodemon'] = {
      ...record,
      path: '/app/node_modules/.bin/nodemon',
      type: 'symlink',
      linkname: '../nodemon/bin/nodemon.js',
      layer,
    };
    evidence.image.value.cmd = ['npm', 'run', 'dev'];
    const results = judge(evidence).filter((entry) => entry.id === 'HARD-TOOLS-003');
    expect(results.map((entry) => [entry.status, entry.severity, entry.message.split(' — ')[0]])).toEqual([
      ['fail', 'warning', 'the image starts a development server: `npm run dev`'],
      ['fail', 'warning', 'nodemon (/app/node_modules/.bin/nodemon)'],
    ]);
    expect(results[1].location?.line).toBeDefined();
  });
});

describe('HARD-INIT-001', () => {
  it("passes s6-overlay's /init only in an image that carries s6-overlay's files", () => {
    const initAsPid1 = (s6Files: boolean): EvidenceSet => {
      const evidence = withRuntime(hardened.evidence, (runtime) => {
        runtime.service.processes = [{ pid: 1, uid: 0, gid: 0, command: '/init', init: true }];
      });
      if (evidence.filesystem.state !== 'collected') throw new Error('recorded evidence has no filesystem');
      if (s6Files) {
        const files = evidence.filesystem.value.files;
        const record = Object.values(files)[0];
        files['/package/admin/s6-overlay/libexec/preinit'] = {
          ...record,
          path: '/package/admin/s6-overlay/libexec/preinit',
        };
      }
      return evidence;
    };
    expect(result(judge(initAsPid1(true)), 'HARD-INIT-001')).toMatchObject({
      status: 'pass',
      message: 'PID 1 is s6-overlay /init (`/init`)',
    });
    expect(result(judge(initAsPid1(false)), 'HARD-INIT-001')).toMatchObject({
      status: 'fail',
      message: 'PID 1 is the app itself (`/init`): no init forwards signals or reaps zombies',
    });
  });
});

describe('HARD-LABELS-002 and HARD-FILESYSTEM-002 follow the measured user', () => {
  it('fail a non-root claim for a root process, and writable code', () => {
    const root = withRuntime(hardened.evidence, (runtime) => Object.assign(runtime.identity, { uid: 0, gid: 0 }));
    expect(result(judge(root), 'HARD-LABELS-002')).toMatchObject({
      status: 'fail',
      message: 'security.non-root=true, but the container runs as UID 0',
    });
    expect(result(judge(root), 'HARD-FILESYSTEM-002').status).toBe('skip');
    const owner = copy(hardened.evidence);
    if (owner.filesystem.state === 'collected') owner.filesystem.value.files['/app/csmcp/server.py'].uid = 1000;
    expect(result(judge(owner), 'HARD-FILESYSTEM-002')).toMatchObject({
      status: 'fail',
      measured: ['/app/csmcp/server.py'],
    });
  });

  it('counts writable paths under the outermost directory the user can write, not a parent it cannot', () => {
    // As catalog-service-node in the corpus: the WORKDIR /usr/local/app and its node_modules owned
    // by the app user, /usr/local itself root's; the user's home made by useradd -m.
    const owned = copy(hardened.evidence);
    if (owned.filesystem.state !== 'collected') throw new Error('recorded evidence has no filesystem');
    const { files } = owned.filesystem.value;
    const add = (path: string, type: 'file' | 'directory', uid: number): void => {
      files[path] = { path, type, mode: type === 'directory' ? 0o755 : 0o644, uid, gid: uid, size: 1, layer: 1 };
    };
    add('/usr/local/app', 'directory', 1000);
    add('/usr/local/app/package.json', 'file', 1000);
    add('/usr/local/app/node_modules', 'directory', 1000);
    add('/usr/local/app/node_modules/express', 'directory', 1000);
    add('/usr/local/app/node_modules/express/index.js', 'file', 1000);
    add('/home/csops', 'directory', 1000);
    add('/home/csops/.bashrc', 'file', 1000);
    add('/etc/motd', 'file', 1000);
    expect(result(judge(owned), 'HARD-FILESYSTEM-002').message).toMatch(
      /: \/usr\/local\/app \(5\), \/home\/csops \(2\), \/etc\/motd \(1\)$/,
    );
  });
});

describe('HARD-FILESYSTEM-004', () => {
  it('fails an image that exits when run hardened', () => {
    const evidence = withRuntime(hardened.evidence, (runtime) => {
      runtime.hardened!.exited = {
        exitCode: 1,
        oomKilled: false,
        afterSeconds: 0.2,
        logTail: "OSError: [Errno 30] Read-only file system: '/app/cache'",
      };
    });
    expect(result(judge(evidence), 'HARD-FILESYSTEM-004').message).toContain(
      "the container exited with code 1 after 0.20 s; last log lines: OSError: [Errno 30] Read-only file system: '/app/cache'",
    );
    expect(result(judge(hardened.evidence, { 'hardened-run': 'false' }), 'HARD-FILESYSTEM-004').status).toBe('pass'); // the recorded run did it
  });
});
