import type { RawInputs } from '../../src/inputs/config-file.js';
import type { TargetReport } from '../../src/model.js';
import { byId, check, leftovers } from '../helpers/run.js';

// A compose service that cannot start without its Redis, proven in its stack (its dependency up
// and healthy first, its containers on the stack's network as `app`, with REDIS_URL from the
// compose file), and alone: the verdict then names what it waited for, with its log lines, and
// how to give it that. Everything the stack brought up is taken down.

const context = '__tests__/fixtures/compose/needs-redis';
const quick: RawInputs = { context, 'cache-probe': 'false', 'idle-seconds': '1', 'ready-timeout-seconds': '15' };
const run = (inputs: RawInputs = {}): Promise<TargetReport> => check({ ...quick, ...inputs });

afterEach(async () => {
  expect(await leftovers()).toEqual([]);
});

describe('a service that needs its Redis', () => {
  it('in its stack: starts, passes its health check, idles and stops like any service', async () => {
    const report = await run();
    const startup = byId(report, 'HARD-STARTUP-001');
    expect(startup.status).toBe('pass');
    expect(startup.message).toMatch(
      /^ready after [\d.]+ s \(the health probe passed\); in its stack \(__tests__\/fixtures\/compose\/needs-redis\/compose\.yaml#app\): cache up and healthy first$/,
    );
    expect(
      ['HARD-HEALTH-003', 'HARD-HEALTH-004', 'HARD-STARTUP-002', 'HARD-SHUTDOWN-001', 'HARD-MEMORY-001'].map(
        (id) => `${id} ${byId(report, id).status}`,
      ),
    ).toEqual([
      'HARD-HEALTH-003 pass',
      // The probe with the service down still runs alone: with nothing to answer it, it fails.
      'HARD-HEALTH-004 pass',
      'HARD-STARTUP-002 pass',
      'HARD-SHUTDOWN-001 pass',
      'HARD-MEMORY-001 pass',
    ]);
    expect(byId(report, 'HARD-USER-003')).toMatchObject({
      status: 'pass',
      measured: { uid: 10001, method: 'processes' },
    });
    // The hardened run joined the stack too: read-only, it still reached its Redis.
    expect(byId(report, 'HARD-FILESYSTEM-004').message).toMatch(/^ready after [\d.]+ s with read-only root/);
  });

  it('alone: a refused connection, named with its port and log lines, and how to give it what it needs', async () => {
    const report = await run({ 'runtime-in-stack': 'false' });
    const startup = byId(report, 'HARD-STARTUP-001');
    expect(startup).toMatchObject({ status: 'fail', measured: 1 });
    expect(startup.message).toMatch(
      /^the container could not reach what it needs \(connection refused at localhost:6379 \(Redis's port\)\): it exited with code 1 after [\d.]+ s; last log lines: Error 111 connecting to localhost:6379\. Connection refused\./,
    );
    expect(startup.remediation).toMatch(/^Give it Redis: check it with the compose file that starts its dependencies/);
    expect(byId(report, 'HARD-STARTUP-002').status).toBe('skip');
  });

  it('alone with its address: the host name it could not resolve', async () => {
    const report = await run({ 'runtime-in-stack': 'false', 'runtime-env': 'REDIS_URL=redis://cache:6379/0' });
    expect(byId(report, 'HARD-STARTUP-001').message).toMatch(
      /^the container could not reach what it needs \(the host name cache does not resolve \(wanted at cache:6379, Redis's port\)\): it exited with code 1/,
    );
  });

  it('alone, retrying without end: never ready, and the verdict names what it retried, with its log line', async () => {
    const report = await run({
      'runtime-in-stack': 'false',
      'runtime-env': 'REDIS_URL=redis://cache:6379/0\nRETRY_FOREVER=1',
      'ready-timeout-seconds': '5',
      'hardened-run': 'false',
    });
    const startup = byId(report, 'HARD-STARTUP-001');
    expect(startup.status).toBe('fail');
    expect(startup.message).toMatch(
      /^the health probe never passed within 5 s \(\d+ attempts\): it kept running, but could not reach what it needs \(the host name cache does not resolve \(wanted at cache:6379, Redis's port\)\); its log: Error -\d+ connecting to cache:6379\. /,
    );
    expect(startup.remediation).toMatch(/^Give it Redis as cache: check it with the compose file/);
  });

  it("whose dependency's image is nowhere: says so, and runs it alone with its compose environment", async () => {
    const report = await run({ 'compose-files': `${context}/compose.absent-cache.yaml` });
    const startup = byId(report, 'HARD-STARTUP-001');
    expect(startup).toMatchObject({ status: 'fail', measured: 1 });
    expect(startup.message).toMatch(/the host name cache does not resolve/);
    expect(startup.message).toMatch(
      /; run alone: its dependencies cannot be started: cache's image cs-hardening\/absent-cache:never-built is not on the engine and cannot be pulled/,
    );
    expect(startup.remediation).toMatch(
      /^It is __tests__\/fixtures\/compose\/needs-redis\/compose\.absent-cache\.yaml#app, a compose service, but ran alone because/,
    );
  });
});
