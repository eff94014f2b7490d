import { cpuAccountingFiles, parseCpuStat, QuietTracker } from '../../src/evidence/runtime/quiet.js';
import type { ReadinessRecord } from '../../src/evidence/runtime/records.js';
import { listenedLate, watchListening } from '../../src/evidence/runtime/watch-on.js';

// When a service without HEALTHCHECK or EXPOSE is quiet enough for the watch for its listening
// socket to end, where its CPU time is read from, and the watch that goes on beside the idle window.

const ID = 'db6c1a4fae2227e46599435c9ca10144154c84cc6a877e462f72c04d51da647f';

describe('QuietTracker', () => {
  it('is quiet once the CPU used over the last half second is at most 1 % of a CPU', () => {
    const tracker = new QuietTracker(500, 0.01);
    expect(tracker.record(0, 30_000_000)).toBe(false); // one reading says nothing yet
    expect(tracker.record(250, 30_100_000)).toBe(false); // not a span old yet
    // 0.1 ms of CPU in 0.5 s: 0.02 % of a CPU.
    expect(tracker.record(500, 30_100_000)).toBe(true);
  });

  it('is not quiet while the service works, however little the last step used', () => {
    const tracker = new QuietTracker(500, 0.01);
    tracker.record(0, 0);
    tracker.record(250, 200_000_000); // 0.8 CPU: starting up
    tracker.record(500, 200_000_000);
    // The span from 0 to 600 ms includes the busy step: 200 ms of CPU in 600 ms.
    expect(tracker.record(600, 200_000_000)).toBe(false);
    // From 250 ms on it used nothing: quiet once that is half a second.
    expect(tracker.record(760, 200_000_000)).toBe(true);
  });

  it('says where the quiet span began (the idle window counts from there), and nothing when not quiet', () => {
    const tracker = new QuietTracker(500, 0.01);
    tracker.record(0, 0);
    tracker.record(250, 200_000_000);
    expect(tracker.spanStart()).toBeNull();
    tracker.record(500, 200_000_000);
    expect(tracker.record(760, 200_000_000)).toBe(true);
    // The newest reading at least half a second old: after the busy step, not before it.
    expect(tracker.spanStart()).toEqual({ at: 250, cpuNs: 200_000_000 });
    expect(tracker.record(1000, 400_000_000)).toBe(false); // busy again
    expect(tracker.spanStart()).toBeNull();
  });

  it('counts a steady trickle over the limit as work', () => {
    const tracker = new QuietTracker(500, 0.01);
    let cpu = 0;
    for (let at = 0; at <= 2000; at += 250) {
      // 2 % of a CPU: a busy poll loop, not a timer.
      expect(tracker.record(at, cpu)).toBe(false);
      cpu += 0.02 * 250e6;
    }
  });
});

describe('cpuAccountingFiles', () => {
  it("finds cgroup v1's cpuacct.usage first on a hybrid host (recorded: Debian 12, Docker 28.5)", () => {
    const recorded = [
      `9:name=systemd:/docker/${ID}`,
      `8:pids:/docker/${ID}`,
      `2:cpuacct:/docker/${ID}`,
      `1:cpu:/docker/${ID}`,
      `0::/docker/${ID}`,
    ].join('\n');
    expect(cpuAccountingFiles(recorded).map((file) => file.path)).toEqual([
      `/sys/fs/cgroup/cpuacct/docker/${ID}/cpuacct.usage`,
      `/sys/fs/cgroup/cpu,cpuacct/docker/${ID}/cpuacct.usage`,
      `/sys/fs/cgroup/docker/${ID}/cpu.stat`,
      `/sys/fs/cgroup/unified/docker/${ID}/cpu.stat`,
    ]);
  });

  it('reads cgroup v2 where there is nothing else (systemd driver)', () => {
    const files = cpuAccountingFiles(`0::/system.slice/docker-${ID}.scope\n`);
    expect(files[0].path).toBe(`/sys/fs/cgroup/system.slice/docker-${ID}.scope/cpu.stat`);
    // Recorded cpu.stat of the same container: usage in microseconds, returned in nanoseconds.
    expect(files[0].parse('usage_usec 30476\nuser_usec 13061\nsystem_usec 17414\n')).toBe(30_476_000);
  });

  it('reads cpu,cpuacct mounted together, and nothing from a line that is not one', () => {
    const files = cpuAccountingFiles(`4:cpu,cpuacct:/docker/${ID}\nnot a cgroup line\n`);
    expect(files.map((file) => file.path)).toEqual([
      `/sys/fs/cgroup/cpu,cpuacct/docker/${ID}/cpuacct.usage`,
      `/sys/fs/cgroup/cpuacct/docker/${ID}/cpuacct.usage`,
    ]);
    expect(files[0].parse('30476057\n')).toBe(30_476_057);
    expect(files[0].parse('\n')).toBeNull();
  });

  it('parses no usage from a cpu.stat without one', () => {
    expect(parseCpuStat('nr_periods 0\n')).toBeNull();
  });
});

describe('the watch that goes on beside the idle window', () => {
  const quietWorker: ReadinessRecord = {
    method: 'none',
    probe: null,
    port: null,
    readySeconds: null,
    attempts: 4,
    attemptSeconds: [0, 0, 0, 0],
    lastExitCode: null,
    lastOutput: 'it listened on no TCP port: none by 0.88 s…',
    outcome: 'not-probed',
    waitedSeconds: 0.88,
    listeningBy: "the engine host's /proc",
    listening: [],
    quietSeconds: 0.88,
  };

  it('reports the first socket it sees, with when, and then stops reading', async () => {
    let reads = 0;
    const watch = watchListening(
      () => Promise.resolve(++reads < 3 ? [] : [{ port: 8080, address: '0.0.0.0' }]),
      performance.now(),
    );
    // It ends by itself once it sees one (three reads, 250 ms apart).
    const found = await watch.ended;
    expect(await watch.stop()).toEqual(found);
    expect(found).toMatchObject({ sockets: [{ port: 8080, address: '0.0.0.0' }], attempts: 3 });
    expect(found!.seconds).toBeGreaterThanOrEqual(0.4); // two pauses of 250 ms before the third read
    expect(reads).toBe(3);
  });

  it('finds nothing when nothing listens, and reads no more once stopped', async () => {
    let reads = 0;
    const watch = watchListening(() => Promise.resolve((reads++, [])), performance.now());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await watch.stop()).toBeNull();
    const stoppedAt = reads;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(reads).toBe(stoppedAt);
  });

  it('says "cannot be read" as nothing found, never as a socket', async () => {
    const watch = watchListening(() => Promise.resolve(null), performance.now());
    expect(await watch.stop()).toBeNull();
  });

  it('makes a late listener ready when it listened, counting every read', () => {
    const late = listenedLate(quietWorker, {
      seconds: 2.31,
      sockets: [{ port: 8091, address: '::' }],
      attempts: 6,
    });
    expect(late).toMatchObject({
      method: 'listening',
      outcome: 'ready',
      readySeconds: 2.31,
      port: 8091,
      attempts: 10,
      lastOutput: '',
      listeningBy: "the engine host's /proc",
      quietSeconds: 0.88,
    });
  });
});
