import type { RawInputs } from '../../src/inputs/config-file.js';
import type { TargetReport } from '../../src/model.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectEngine } from '../../src/docker/engine.js';
import { newRunId, Throwaways } from '../../src/docker/throwaway.js';
import { helperReader, listeningReader } from '../../src/evidence/runtime/listening.js';
import { chooseProbe, type ProbeHelpers } from '../../src/evidence/runtime/probe.js';
import { cgroupCpuReader } from '../../src/evidence/runtime/quiet.js';
import { finishService, startService } from '../../src/evidence/runtime/service.js';
import { byId, check, exec, fixture, leftovers, REPO } from '../helpers/run.js';
import { scratchTree } from '../helpers/scratch.js';

// The runtime checks on fixture images built here: for every failure mode a fixture that fails
// it, and the clean fixture that passes everything. Short idle and stop windows keep them quick
// where timing is not the subject.

const quick: RawInputs = {
  'idle-seconds': '1',
  'max-stop-seconds': '1',
  'cache-probe': 'false',
  'ready-timeout-seconds': '10',
};
const run = (name: string, inputs: RawInputs = {}): Promise<TargetReport> =>
  check({ context: fixture(name), ...quick, ...inputs });
const status = (report: TargetReport, id: string): string => byId(report, id).status;

afterEach(async () => {
  expect(await leftovers()).toEqual([]);
});

describe('the clean fixture', () => {
  it('passes every check, each with a measured value', async () => {
    const report = await run('service-good', {
      'cache-probe': 'true',
      'expected-user': 'app',
      'expected-uid': '10001',
    });
    const findings = report.checks
      .filter((result) => result.status === 'fail' || result.status === 'error')
      .map((result) => `${result.id} ${result.severity}`);
    // Only recommendations remain: a single stage (nothing to build), and the local stand-in's
    // base tag `local`, which names no version (a floating tag is a warning; a version tag a notice),
    // and USER given by name (a Pod with runAsNonRoot cannot verify a name: a notice).
    expect(findings).toEqual(['HARD-USER-005 notice', 'HARD-DOCKERFILE-001 notice', 'HARD-DOCKERFILE-002 warning']);
    const skips = report.checks.filter((result) => result.status === 'skip').map((result) => result.message);
    const honest =
      /^(measured on the image instead|no compose file|no vulnerability-report given|compose-up not requested|no service_healthy gate|no max-compressed-size-mb set|verify-signature is not set|check-attestations is off|shell-and-package-manager is off)|not a clean build time|copies no application file/;
    expect(skips.filter((message) => !honest.test(message))).toEqual([]);
    expect(report.metrics).toMatchObject({
      runUid: 10001,
      stopExitCode: 143,
      pid1: '/sbin/tini -- httpd -f -p 8080 -h /srv/www',
    });
    expect(report.metrics.startupSeconds).toBeLessThan(5);
    expect(report.metrics.idleMemoryBytes).toBeGreaterThan(0);
    expect(report.metrics.stopSeconds).toBeLessThan(1);
  });
});

describe('user', () => {
  it('measures the running processes, and sees a privilege drop by the entrypoint', async () => {
    const report = await run('root-entrypoint-drops');
    expect(status(report, 'HARD-USER-001')).toBe('fail'); // configured: root
    expect(byId(report, 'HARD-USER-003')).toMatchObject({
      status: 'pass',
      measured: { uid: 10001, method: 'processes' },
    });
    expect(byId(report, 'HARD-USER-003').message).toContain('sleep (UID 10001)');
  });

  it('checks an image without a shell or id, and judges its root-ness from what runs', async () => {
    const report = await run('no-shell');
    expect(byId(report, 'HARD-USER-003')).toMatchObject({ status: 'pass', measured: { uid: 65532 } });
    expect(status(report, 'HARD-HEALTH-004')).toBe('pass'); // the probe ran alone, without a shell
    expect(status(report, 'HARD-TOOLS-001')).toBe('pass');
    expect(byId(report, 'HARD-INIT-001').message).toContain('the app itself');
  });

  it('falls back to id, then to the image files, when the service does not stay up', async () => {
    const report = await run('exits-early');
    expect(byId(report, 'HARD-USER-003')).toMatchObject({ status: 'pass', measured: { uid: 10001, method: 'id' } });
  });
});

describe('tools', () => {
  it('finds forbidden tools on the PATH by their files, with the RUN that added them', async () => {
    const report = await run('tools-shipped');
    const tools = report.checks.filter((result) => result.id === 'HARD-TOOLS-001');
    expect(tools.map((result) => [result.status, result.location?.line, result.message.split(' — ')[0]])).toEqual([
      ['fail', 6, 'gcc (/usr/bin/gcc)'],
      ['fail', 8, 'make (/usr/local/bin/make)'],
    ]);
    // A dangling link (gdb) and a non-executable file (cmake) are not tools.
    expect(tools.flatMap((result) => (result.measured as { tool: string }[]).map((tool) => tool.tool))).toEqual([
      'gcc',
      'make',
    ]);
  });
});

describe('development tools', () => {
  it('finds dev tools by their files (node_modules/.bin, a virtualenv) and a dev server as the command', async () => {
    const report = await run('dev-tools-shipped');
    const found = report.checks.filter((result) => result.id === 'HARD-TOOLS-003');
    expect(found.map((result) => [result.status, result.location?.line, result.message.split(' — ')[0]])).toEqual([
      ['fail', 18, 'the image starts a development server: `nodemon server.js`'],
      ['fail', 8, 'nodemon (/app/node_modules/.bin/nodemon)'],
      ['fail', 13, 'pytest (/opt/venv/bin/pytest)'],
    ]);
    // The static reading steps aside for the measured one.
    expect(status(report, 'HARD-TOOLS-004')).toBe('skip');
  });

  it("finds the dev server an npm script starts, behind the base image's docker-entrypoint.sh", async () => {
    const report = await run('dev-server-script');
    expect(byId(report, 'HARD-TOOLS-003')).toMatchObject({
      status: 'fail',
      message:
        'the image starts a development server: `npm start` runs `react-scripts start` (the scripts of /app/package.json)',
      measured: ['docker-entrypoint.sh', 'npm', 'start'],
      location: { line: 19 },
    });
  });
});

describe('health', () => {
  it('fails a missing HEALTHCHECK, and measures readiness by the exposed port instead', async () => {
    const report = await run('health-missing');
    expect(status(report, 'HARD-HEALTH-001')).toBe('fail');
    expect(byId(report, 'HARD-STARTUP-001').message).toMatch(
      /^ready after [\d.]+ s \(port 8080 accepted a connection\)$/,
    );
  });

  it.each(['health-true', 'health-or-exit0'])(
    'fails a fake probe (%s): it passes with the service down',
    async (name) => {
      const report = await run(name);
      expect(byId(report, 'HARD-HEALTH-004')).toMatchObject({ status: 'fail', measured: 0 });
      expect(byId(report, 'HARD-HEALTH-004').message).toMatch(
        /^fake: it passed \(exit 0 in [\d.]+ s\) in a container where the service never started$/,
      );
      expect(status(report, 'HARD-HEALTH-003')).toBe('pass');
    },
  );

  it('fails a probe whose program the image lacks', async () => {
    const report = await run('health-binary-missing');
    expect(byId(report, 'HARD-HEALTH-002')).toMatchObject({ status: 'fail', message: 'not in the image: curl' });
    expect(status(report, 'HARD-HEALTH-003')).toBe('fail');
    // Startup is still measured, by the exposed port.
    expect(status(report, 'HARD-STARTUP-001')).toBe('pass');
  });

  it('fails a probe that never passes, after the ready timeout, probing every 250 ms', async () => {
    const report = await run('health-wrong-port', { 'ready-timeout-seconds': '3' });
    const probe = byId(report, 'HARD-HEALTH-003');
    expect(probe.status).toBe('fail');
    const attempts = Number(/\((\d+) attempts/.exec(probe.message)?.[1]);
    expect(attempts).toBeGreaterThanOrEqual(4); // ≤ 250 ms apart over 3 s, even with slow attempts
    expect(status(report, 'HARD-STARTUP-001')).toBe('fail');
    expect(status(report, 'HARD-HEALTH-004')).toBe('pass');
  });

  // The production document's own HEALTHCHECK, read from the document as written: Docker drops
  // the `#` lines inside the continued instruction and joins the rest into one line of Python, in
  // which `if` after `;` does not parse. The probe never passes, and the message ends with why.
  it("fails the production document's HEALTHCHECK as written, with the interpreter's error", async () => {
    const document = readFileSync(join(REPO, '..', 'shared', 'seed', 'docker-production-upgrade-summary.md'), 'utf8');
    const start = document.indexOf('HEALTHCHECK --interval=30s --timeout=10s --start-period=5s --retries=3');
    expect(start).toBeGreaterThan(0);
    const healthcheck = document.slice(start, document.indexOf('```', start));
    const context = scratchTree('document-healthcheck', {
      Dockerfile: `FROM python:3.11-slim\nUSER 65534\nEXPOSE 8080\nCMD ["python", "-m", "http.server", "8080"]\n${healthcheck}`,
    });
    const report = await check({ context, 'cache-probe': 'false', 'idle-seconds': '1', 'ready-timeout-seconds': '5' });
    const probe = byId(report, 'HARD-HEALTH-003');
    expect(probe.status).toBe('fail');
    expect(probe.message).toMatch(
      /^it never passed in [\d.]+ s \(\d+ attempts, last exit code 1\); last output: .*\| SyntaxError: invalid syntax$/,
    );
    // Each echoed line is cut: the message says what is wrong without the whole program.
    expect(probe.message.length).toBeLessThan(700);
  });

  it('reports health settings against the production profile and the measured timing, as this engine runs them', async () => {
    const report = await run('service-good');
    const good = byId(report, 'HARD-HEALTH-005');
    expect(good.status).toBe('pass');
    // Docker ≥ 25 probes every start interval (5 s by default) during the start period; Engine
    // 20.10 has no start interval and first probes one whole interval (30 s) after start.
    if (report.engine!.healthStartInterval) {
      expect(good.message).toMatch(
        /^interval 30 s, timeout 10 s, start period 5 s, start interval 5 s, retries 3 \(production profile: 30 s, 10 s, 5 s, 3\); slowest probe [\d.]+ s; Docker reports it healthy about 5 s after start \(its first probe after the 5 s start interval\)$/,
      );
    } else {
      expect(good.message).toMatch(
        /^interval 30 s, timeout 10 s, start period 5 s, retries 3 \(production profile: 30 s, 10 s, 5 s, 3\); slowest probe [\d.]+ s; Docker reports it healthy about 30 s after start \(this engine \(before Docker 25\) has no start interval: its first probe runs one whole interval after start\)$/,
      );
    }
    const defaults = byId(await run('health-or-exit0'), 'HARD-HEALTH-005');
    expect(defaults.status).toBe('pass'); // --timeout=10s, interval defaults to 30 s
  });
});

describe('startup, idle cost', () => {
  it("reads a container's listening sockets from a helper joined to its network namespace, where the host's /proc is not this one", async () => {
    // The path a remote or rootless engine takes: no /proc of its host here.
    const engine = await connectEngine();
    const throwaways = new Throwaways(engine, newRunId());
    const limits = { memoryBytes: 64e6, nanoCpus: 0.5e9, pids: 32 };
    let noCat = '';
    try {
      const image = 'cs-hardening/busybox-tini:local';
      const server = await throwaways.create({
        role: 'server',
        image,
        entrypoint: ['httpd', '-f', '-p', '8089', '-h', '/'],
        network: 'none',
        limits,
      });
      await server.start();
      const read = helperReader(server, throwaways, { image, limits });
      let sockets = await read();
      for (let tries = 0; tries < 20 && sockets?.length === 0; tries++) {
        await sleep(250);
        sockets = await read();
      }
      expect(sockets?.map((socket) => socket.port)).toEqual([8089]);
      expect(['0.0.0.0', '::']).toContain(sockets?.[0].address);
      // An image without cat cannot print them: that says "cannot be read", never "none".
      const context = scratchTree('no-cat', {
        Dockerfile: 'FROM cs-hardening/busybox-tini:local AS base\nFROM scratch\nCOPY --from=base /sbin/tini /tini\n',
      });
      const built = await exec('docker', ['build', '-q', context]);
      expect(built.code).toBe(0);
      noCat = built.stdout.trim();
      const blind = helperReader(server, throwaways, { image: noCat, limits });
      expect(await blind()).toBeNull();
    } finally {
      await throwaways.removeAll();
      if (noCat) await exec('docker', ['rmi', '-f', noCat]);
    }
  });

  it('ends the watch for a listening socket once a service is quiet, watches on beside the idle window, and never ends it for a busy one', async () => {
    // The three ways a service without HEALTHCHECK or EXPOSE can go, each in a real container:
    // quiet and never listening (a worker), quiet and then listening (a pause before the server
    // starts), and busy without listening (still starting: the whole watch, as before).
    const engine = await connectEngine();
    const throwaways = new Throwaways(engine, newRunId());
    const limits = { memoryBytes: 64e6, nanoCpus: 1e9, pids: 32 };
    const image = 'cs-hardening/busybox-tini:local';
    const helpers: ProbeHelpers = {
      addressing: () => Promise.resolve(),
      listening: (container) => listeningReader(container, throwaways, { image, limits }),
      cpu: cgroupCpuReader,
    };
    const none = chooseProbe(null, []);
    const start = (role: string, script: string): ReturnType<typeof startService> =>
      startService(
        throwaways,
        { role, image, entrypoint: ['/sbin/tini', '--', 'sh', '-c', script], network: 'none', limits },
        none,
        10_000,
        5_000,
        helpers,
      );
    const finish = { idleMs: 3000, cpuLimit: 1, stopTimeoutSeconds: 2, listenMs: 5000 };
    try {
      const [worker, pauses, busy] = await Promise.all([
        start('worker', 'exec sleep 3600'),
        start('pauses', 'sleep 3; exec httpd -f -p 8091 -h /'),
        start('busy', 'while :; do :; done'),
      ]);
      // The worker: quiet within a second or two of its start, far short of the 5 s watch.
      expect(worker.outcome.readiness.quietSeconds).toBeLessThan(2);
      expect(worker.outcome.readiness).toMatchObject({ method: 'none', outcome: 'not-probed' });
      expect(worker.outcome.readiness.lastOutput).toMatch(
        /^it listened on no TCP port: none by [\d.]+ s, when it had used next to no CPU for 0\.50 s \(waiting, not starting up\), nor while it was watched on$/,
      );
      // The pause reads as quiet too, before it listens…
      expect(pauses.outcome.readiness.quietSeconds).toBeLessThan(3);
      expect(pauses.outcome.watchOn).toBeDefined();
      // …and the spinning one is never quiet: it is watched the whole 5 s.
      expect(busy.outcome.readiness.quietSeconds).toBeUndefined();
      expect(busy.outcome.readiness.waitedSeconds).toBeGreaterThanOrEqual(5);
      const [workerRecord, pausesRecord] = await Promise.all([
        finishService(worker, finish),
        finishService(pauses, finish),
        finishService(busy, finish),
      ]);
      expect(workerRecord.readiness.outcome).toBe('not-probed');
      // Its idle window began in the quiet span that ended its watch: sampled for the rest of it,
      // at least a second, and the two together the window asked for.
      const workerIdle = workerRecord.idle!;
      expect(workerIdle.quietBeforeSeconds).toBeGreaterThan(0);
      expect(workerIdle.windowSeconds).toBeGreaterThanOrEqual(0.9);
      expect(workerIdle.windowSeconds + workerIdle.quietBeforeSeconds!).toBeGreaterThanOrEqual(2.9);
      expect(workerIdle.cpu).toBeLessThan(0.01);
      // Seen listening beside the idle window: ready then, and its idle window taken again after.
      expect(pausesRecord.readiness).toMatchObject({ method: 'listening', outcome: 'ready', port: 8091 });
      expect(pausesRecord.readiness.readySeconds).toBeGreaterThanOrEqual(3);
      expect(pausesRecord.idle?.windowSeconds).toBeGreaterThanOrEqual(2.9);
      // Its processes as they run once it listens (listed at quiet time, they were the shell and sleep).
      expect(pausesRecord.processes?.map((process) => process.command)).toContainEqual(
        expect.stringMatching(/^httpd -f -p 8091/),
      );
      // Quiet two seconds, then busy (its start-up) for one or two, then it listens; alone, so its
      // busy seconds read busy. Busy through the idle window after a quiet start: its start-up, not
      // its idle cost. Watched on to max-startup-seconds, it is seen listening, and its idle window
      // is taken after that.
      const wakes = await start(
        'wakes',
        'sleep 2; end=$(($(date +%s) + 2)); while [ "$(date +%s)" -lt "$end" ]; do :; done; exec httpd -f -p 8092 -h /',
      );
      expect(wakes.outcome.readiness.quietSeconds).toBeLessThan(2);
      const wakesRecord = await finishService(wakes, { ...finish, listenMs: 8000 });
      expect(wakesRecord.readiness).toMatchObject({ method: 'listening', outcome: 'ready', port: 8092 });
      expect(wakesRecord.readiness.readySeconds).toBeGreaterThanOrEqual(3);
      expect(wakesRecord.idle?.cpu).toBeLessThan(0.25);
    } finally {
      await throwaways.removeAll();
    }
  });

  it('reports an early exit with its code and last log lines', async () => {
    const report = await run('exits-early');
    expect(byId(report, 'HARD-STARTUP-001')).toMatchObject({ status: 'fail', measured: 3 });
    expect(byId(report, 'HARD-STARTUP-001').message).toMatch(
      /^the container exited with code 3 after [\d.]+ s; last log lines: config error: DATABASE_URL is not set$/,
    );
  });

  it('watches a service it cannot probe through the idle window: a later exit fails it', async () => {
    const dies = await run('exits-unprobed', { 'idle-seconds': '3' });
    expect(byId(dies, 'HARD-STARTUP-001')).toMatchObject({ status: 'fail', measured: 4 });
    expect(byId(dies, 'HARD-STARTUP-001').message).toMatch(
      /^the container exited with code 4 after [\d.]+ s; last log lines: worker: lost its queue$/,
    );
    expect(byId(dies, 'HARD-FILESYSTEM-004').message).toContain('exited with code 4');
    expect(dies.metrics.idleMemoryBytes).toBeNull(); // a dead container has no idle figure
    const stays = await run('user-nonroot', { 'idle-seconds': '3', 'max-startup-seconds': '10' });
    // It listens on no port and is quiet (`sleep`): watched for one until it was, then beside the
    // idle window; the hardened run, quiet too, as long as that window.
    expect(byId(stays, 'HARD-STARTUP-001').message).toMatch(
      /^no HEALTHCHECK and no exposed port, and it listened on no TCP port: none by [\d.]+ s, when it had used next to no CPU for 0\.50 s \(waiting, not starting up\), nor while it was watched on, so readiness cannot be observed; it kept running through the 3 s idle window$/,
    );
    const hardened = /^kept running for ([\d.]+) s with read-only root/.exec(
      byId(stays, 'HARD-FILESYSTEM-004').message,
    );
    expect(Number(hardened?.[1])).toBeGreaterThanOrEqual(3); // the idle window's length, at least
    expect(Number(hardened?.[1])).toBeLessThan(8); // not the whole 10 s watch: it was quiet
  });

  it('measures the startup of a service that listens without EXPOSE or HEALTHCHECK, from its listening socket', async () => {
    const report = await run('listens-unexposed');
    const startup = byId(report, 'HARD-STARTUP-001');
    expect(startup.message).toMatch(
      /^ready after [\d.]+ s \(it listened on TCP port 8080 on all addresses, seen in its network namespace: no EXPOSE or HEALTHCHECK declares it\)$/,
    );
    // It sleeps a second before it listens: that is its startup, measured.
    expect(byId(report, 'HARD-STARTUP-002').measured as number).toBeGreaterThanOrEqual(1);
    expect(byId(report, 'HARD-FILESYSTEM-004').message).toMatch(/^ready after [\d.]+ s with read-only root/);
    expect(report.metrics.startupSeconds).toBe(byId(report, 'HARD-STARTUP-002').measured);
  });

  it('reports an image that cannot start at all as a failed start, not an infrastructure fault', async () => {
    const report = await run('start-fails');
    expect(byId(report, 'HARD-STARTUP-001')).toMatchObject({ status: 'fail', measured: 127 });
    expect(byId(report, 'HARD-STARTUP-001').message).toContain('could not start');
    expect(report.checks.filter((result) => result.status === 'error')).toEqual([]);
  });

  it('measures startup time against max-startup-seconds', async () => {
    const report = await run('slow-start', { 'max-startup-seconds': '1' });
    const startup = byId(report, 'HARD-STARTUP-002');
    expect(startup.status).toBe('fail');
    expect(startup.measured as number).toBeGreaterThan(2.5);
    expect(startup.measured as number).toBeLessThan(4);
    // Near (here: over) its limit, it was started again alone, and the lower reading counts.
    expect(startup.message).toMatch(
      /^ready after [\d.]+ s \(limit 1 s; taken twice, the first reading being near the limit: [\d.]+ s beside this run's other containers, [\d.]+ s alone; the lower counts\)$/,
    );
  });

  it('measures idle CPU and memory against their limits', async () => {
    const busy = await run('idle-busy');
    expect(byId(busy, 'HARD-CPU-001').status).toBe('fail');
    // One core busy is 1.0 CPU. 0.81 was read on Docker 28 while stats were polled back to back
    // (600 times in 2 s), and 0.77 on the containerd store while its export and the probe
    // containers ran beside it on two cores: a busy reading is now taken again once this run's
    // other work is done, and the higher one counts.
    expect(busy.metrics.idleCpu!).toBeGreaterThan(0.85);
    const memory = await run('idle-memory', { 'max-idle-memory-mb': '50' });
    expect(byId(memory, 'HARD-MEMORY-001').status).toBe('fail');
    expect(memory.metrics.idleMemoryBytes!).toBeGreaterThan(80e6);
    const good = await run('service-good');
    expect([status(good, 'HARD-CPU-001'), status(good, 'HARD-MEMORY-001')]).toEqual(['pass', 'pass']);
    expect(good.metrics.idleCpu!).toBeLessThan(0.05);
  });

  it('samples a service busy with its start-up work after it became ready once it settles', async () => {
    const report = await run('busy-then-idle');
    const cpu = byId(report, 'HARD-CPU-001');
    expect(cpu.status).toBe('pass');
    expect(cpu.message).toMatch(
      /^0\.0\d\d CPU on average over [\d.]+ s \(limit 0\.5\), once it settled: it was busy \([\d.]+ CPU\) for [\d.]+ s after it became ready, finishing its start-up$/,
    );
    expect(byId(report, 'HARD-MEMORY-001').message).toMatch(
      /, sampled once it settled, [\d.]+ s after it became ready$/,
    );
    // It settled when its 4 s of work were over, not before.
    const after = Number(/for ([\d.]+) s after/.exec(cpu.message)![1]);
    expect(after + report.metrics.startupSeconds!).toBeGreaterThan(3.5);
  });

  it('watches a service that works in bursts on past a lull, until its start-up work is over', async () => {
    // Its bursts last ~18 s: it is given 30 s from its start to settle.
    const report = await run('busy-in-bursts', { 'ready-timeout-seconds': '30' });
    const cpu = byId(report, 'HARD-CPU-001');
    expect([cpu.status, cpu.message]).toEqual([
      'pass',
      expect.stringMatching(/^0\.0\d\d CPU on average over [\d.]+ s \(limit 0\.5\), once it settled: it was busy/),
    ]);
    // Settled after the last burst, not in a lull before it: five bursts of at least 2 s with four
    // lulls of 1.3 s end 15.2 s after its start at the soonest (the last lull ends at 13.2 s).
    const after = Number(/for ([\d.]+) s after/.exec(cpu.message)![1]);
    expect(after + report.metrics.startupSeconds!).toBeGreaterThan(15.2);
  });
});

describe('shutdown and init', () => {
  it('fails a PID 1 that ignores SIGTERM: killed after the limit (137)', async () => {
    const report = await run('ignores-sigterm');
    expect(byId(report, 'HARD-SHUTDOWN-001')).toMatchObject({ status: 'fail', measured: { exitCode: 137 } });
    expect(byId(report, 'HARD-INIT-001').message).toMatch(/^PID 1 is a shell/);
    expect(status(report, 'HARD-INIT-002')).toBe('fail');
  });

  it('fails the app as PID 1 without an init', async () => {
    const report = await run('app-as-pid1');
    expect(byId(report, 'HARD-INIT-001').message).toBe(
      'PID 1 is the app itself (`httpd -f -p 8080 -h /srv/www`): no init forwards signals or reaps zombies',
    );
    expect(byId(report, 'HARD-SHUTDOWN-001').measured).toMatchObject({ exitCode: 137 });
    expect(status(report, 'HARD-INIT-002')).toBe('pass'); // exec form, but still no init
  });

  it('fails shell-form CMD', async () => {
    const report = await run('shell-form');
    expect(byId(report, 'HARD-INIT-002').message).toBe(
      'CMD in shell form: `httpd -f -p 8080 -h /srv/www` runs under /bin/sh -c',
    );
  });
});

describe('filesystem, secrets, labels', () => {
  it('fails setuid files, with the instruction that added them', async () => {
    const report = await run('setuid-file');
    expect(byId(report, 'HARD-FILESYSTEM-001')).toMatchObject({
      status: 'fail',
      measured: ['/usr/bin/escalate'],
      location: { line: 5 },
    });
  });

  it('fails a binary of another architecture, read from its header, with the instruction that added it', async () => {
    const report = await run('foreign-binary');
    const found = report.checks.filter((result) => result.id === 'HARD-FILESYSTEM-005');
    // The arm64 program on the PATH fails; its copy under prebuilds/linux-arm64/ is set aside.
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      status: 'fail',
      severity: 'error',
      measured: [{ path: '/usr/local/bin/tool', arch: 'arm64' }],
      location: { line: 9 },
    });
    expect(found[0].message).toMatch(
      /^1 binary of another architecture on the paths this linux\/amd64 image runs and loads from, from RUN /,
    );
  });

  it('fails application files the runtime user can write', async () => {
    const report = await run('writable-app');
    expect(byId(report, 'HARD-FILESYSTEM-002')).toMatchObject({ status: 'fail', measured: ['/srv', '/srv/app.sh'] });
  });

  it('fails shipped secrets, by name and by content, and not a CA certificate', async () => {
    const report = await run('ships-secrets');
    const found = byId(report, 'HARD-FILESYSTEM-003');
    expect(found).toMatchObject({
      status: 'fail',
      measured: ['/root/.ssh', '/srv/.env', '/srv/.git', '/srv/deploy_key.pem'],
    });
  });

  it('fails credentials in ENV and in the build history without printing them', async () => {
    const report = await run('env-secrets');
    const env = report.checks.filter((result) => result.id === 'HARD-SECRETS-001');
    expect(env.map((result) => result.measured)).toEqual(['DB_PASSWORD', 'SERVICE_KEY']);
    const history = report.checks.filter((result) => result.id === 'HARD-SECRETS-002');
    expect(history.map((result) => [result.measured, result.location?.line])).toEqual([['NPM_TOKEN', 6]]);
    const text = JSON.stringify(report);
    for (const secret of ['fixture-password-123', 'AKIAIOSFODNN7EXAMPLE', 'npm_abcdefghijklmnopqrstuvwxyz0123456789'])
      expect(text).not.toContain(secret);
  });

  it('fails a security.non-root label that lies, and missing labels', async () => {
    const report = await run('label-lies');
    expect(byId(report, 'HARD-LABELS-002')).toMatchObject({
      status: 'fail',
      message: 'security.non-root=true, but the container runs as UID 0',
    });
    expect(byId(report, 'HARD-LABELS-001')).toMatchObject({ status: 'fail', message: 'missing: maintainer' });
  });

  it('fails an image that cannot run read-only without capabilities, and passes one that can', async () => {
    const report = await run('needs-writes');
    expect(status(report, 'HARD-FILESYSTEM-004')).toBe('fail');
    expect(byId(report, 'HARD-FILESYSTEM-004').message).toContain('Read-only file system');
    expect(status(await run('service-good'), 'HARD-FILESYSTEM-004')).toBe('pass');
  });
});
