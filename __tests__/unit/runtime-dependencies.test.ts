import { parseListening } from '../../src/evidence/runtime/listening.js';
import type { ReadinessRecord, RuntimeEvidence } from '../../src/evidence/runtime/records.js';
import { hardenedNeedsRetake, lowerReadings, nearLimits } from '../../src/evidence/runtime/remeasure.js';
import { dependenciesOf, environmentOf, isolatingOverride } from '../../src/evidence/runtime/stack.js';
import { parseThread, spinningThreads, type ThreadsSnapshot } from '../../src/evidence/runtime/threads.js';
import { describeWait, waitingFor } from '../../src/evidence/runtime/waiting-for.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { copy, judge, recorded, result } from '../helpers/evidence.js';

// What a service needs and shows: the dependencies it waited for (from its own log lines), the
// sockets it listens on (from its network namespace's tables), and its stack as compose resolves it.

describe('what an exited service waited for, in its clients own words', () => {
  it.each([
    [
      'libpq ≥ 14',
      'psycopg2.OperationalError: connection to server at "localhost" (127.0.0.1), port 5432 failed: Connection refused',
      { kind: 'refused', host: 'localhost', port: 5432 },
    ],
    [
      'libpq < 14',
      'could not connect to server: Connection refused\n\tIs the server running on host "db" (172.18.0.2) and accepting\n\tTCP/IP connections on port 5432?',
      { kind: 'refused', host: null, port: null },
    ],
    [
      'libpq, host not found',
      'psycopg2.OperationalError: could not translate host name "postgres" to address: Name or service not known',
      { kind: 'unresolved', host: 'postgres', port: null },
    ],
    ['Node', 'Error: connect ECONNREFUSED 127.0.0.1:6379', { kind: 'refused', host: '127.0.0.1', port: 6379 }],
    ['Node, IPv6', 'Error: connect ECONNREFUSED ::1:5432', { kind: 'refused', host: '::1', port: 5432 }],
    ['Node, DNS', 'Error: getaddrinfo ENOTFOUND redis', { kind: 'unresolved', host: 'redis', port: null }],
    ['Node, DNS again', 'Error: getaddrinfo EAI_AGAIN mongo', { kind: 'unresolved', host: 'mongo', port: null }],
    [
      'redis-py',
      'redis.exceptions.ConnectionError: Error 111 connecting to localhost:6379. Connection refused.',
      { kind: 'refused', host: 'localhost', port: 6379 },
    ],
    [
      'redis-py, DNS',
      'Error -3 connecting to cache:6379. Temporary failure in name resolution.',
      { kind: 'unresolved', host: 'cache', port: 6379 },
    ],
    ['Go', 'dial tcp 127.0.0.1:5432: connect: connection refused', { kind: 'refused', host: '127.0.0.1', port: 5432 }],
    ['Go, DNS', 'dial tcp: lookup db on 127.0.0.11:53: no such host', { kind: 'unresolved', host: 'db', port: null }],
    ['curl', 'curl: (6) Could not resolve host: api', { kind: 'unresolved', host: 'api', port: null }],
    ['no network', 'OSError: [Errno 101] Network is unreachable', { kind: 'unreachable', host: null, port: null }],
  ])('%s', (_client, log, expected) => {
    expect(waitingFor(log)).toEqual([expect.objectContaining(expected)]);
  });

  it("takes the port from elsewhere in the log where the failing line names only the host (mongoose's retry)", () => {
    // react-express-mongodb's backend in the corpus, run without its MongoDB: its config printed
    // first, the driver's error 30 s later, and the server it wanted in the error's description.
    const log = [
      "{ PORT: 3000, MONGODB_URI: 'mongodb://mongo:27017/TodoApp' }",
      'MongoDB connection with retry',
      'MongoDB connection unsuccessful, retry after 2 seconds. MongooseServerSelectionError: getaddrinfo EAI_AGAIN mongo',
      '    at Connection.openUri (/usr/src/app/node_modules/mongoose/lib/connection.js:796:32)',
      "    servers: Map(1) { 'mongo:27017' => [ServerDescription] },",
    ].join('\n');
    expect(waitingFor(log)).toEqual([
      {
        kind: 'unresolved',
        host: 'mongo',
        port: 27017,
        line: 'MongoDB connection unsuccessful, retry after 2 seconds. MongooseServerSelectionError: getaddrinfo EAI_AGAIN mongo',
      },
    ]);
    // A longer name that ends with the host is another host; no mention leaves the port unknown.
    expect(waitingFor('getaddrinfo ENOTFOUND db\nconnecting to mydb:5432')[0].port).toBeNull();
  });

  it('keeps each address once, and reads nothing into a log that says nothing of a connection', () => {
    const retried = 'Error 111 connecting to localhost:6379. Connection refused.\n'.repeat(3);
    expect(waitingFor(retried)).toHaveLength(1);
    expect(waitingFor('config error: DATABASE_URL is not set')).toEqual([]);
    expect(waitingFor('')).toEqual([]);
  });

  it('says it in words a user recognises', () => {
    expect(describeWait({ kind: 'refused', host: 'localhost', port: 5432, line: '' })).toBe(
      "connection refused at localhost:5432 (PostgreSQL's port)",
    );
    expect(describeWait({ kind: 'unresolved', host: 'cache', port: 6379, line: '' })).toBe(
      "the host name cache does not resolve (wanted at cache:6379, Redis's port)",
    );
    expect(describeWait({ kind: 'unresolved', host: 'db', port: null, line: '' })).toBe(
      'the host name db does not resolve',
    );
  });
});

describe('listening sockets, from /proc/net/tcp and tcp6', () => {
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  it('finds the ports in LISTEN state, each once, the widest address kept', () => {
    const tcp =
      header +
      '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 1 1 0000 100 0 0 10 0\n' +
      '   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 2 1 0000 100 0 0 10 0\n' +
      // An established connection is not a listening socket.
      '   2: 0200A8C0:1F90 0300A8C0:D431 01 00000000:00000000 00:00000000 00000000 10001        0 3 1 0000 100 0 0 10 0\n';
    const tcp6 =
      header +
      '   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 10001 0 4 1 0000 100 0 0 10 0\n' +
      '   1: 00000000000000000000000001000000:2382 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 10001 0 5 1 0000 100 0 0 10 0\n';
    expect(parseListening(`${tcp}${tcp6}`)).toEqual([
      { port: 3306, address: '127.0.0.1' },
      { port: 8080, address: '0.0.0.0' },
      { port: 9090, address: '::1' },
    ]);
    expect(parseListening(header)).toEqual([]);
  });
});

describe('a stack as compose resolves it', () => {
  const services = {
    app: { depends_on: { api: {}, cache: {} }, environment: { URL: 'http://api', EMPTY: null } },
    api: { depends_on: { db: {} } },
    db: {},
    cache: {},
    unrelated: { depends_on: { db: {} } },
  };
  it('brings up what the service depends on, transitively, and nothing else', () => {
    expect(dependenciesOf(services, 'app')).toEqual(['api', 'db', 'cache']);
    expect(dependenciesOf(services, 'db')).toEqual([]);
  });
  it('gives the service its environment, leaving a variable without value unset as compose does', () => {
    expect(environmentOf(services.app)).toEqual(['URL=http://api']);
  });
});

describe('the startup verdict of a service that waited for a dependency', () => {
  const hardened = recorded('hardened');
  const exitedWaiting = (stack: RuntimeEvidence['stack']): EvidenceSet => {
    const evidence = copy(hardened.evidence);
    if (evidence.runtime.state !== 'collected') throw new Error('recorded evidence has no runtime');
    const runtime = evidence.runtime.value;
    const log = 'Error 111 connecting to localhost:6379. Connection refused.';
    runtime.service.exited = {
      exitCode: 1,
      oomKilled: false,
      afterSeconds: 0.9,
      logTail: log,
      waitingFor: waitingFor(log),
    };
    runtime.service.readiness.readySeconds = null;
    runtime.stack = stack;
    return evidence;
  };

  it('names what it waited for, with its log lines, and how to give it that', () => {
    const startup = result(judge(exitedWaiting(null)), 'HARD-STARTUP-001');
    expect(startup).toMatchObject({ status: 'fail', measured: 1 });
    expect(startup.message).toBe(
      "the container could not reach what it needs (connection refused at localhost:6379 (Redis's port)): it exited with code 1 after 0.90 s; last log lines: Error 111 connecting to localhost:6379. Connection refused.",
    );
    expect(startup.remediation).toMatch(/^Give it Redis: check it with the compose file that starts its dependencies/);
    expect(startup.remediation).toContain('It connects to localhost:6379, inside its own container');
  });

  it('of a compose service whose stack could not be brought up, says why and what to fix', () => {
    const startup = result(
      judge(
        exitedWaiting({
          service: 'compose.yaml#app',
          inStack: false,
          reason: 'compose cannot resolve the stack: required variable CACHE_PASSWORD is missing a value',
          project: null,
          dependencies: [],
          seconds: null,
          networks: [],
          aliases: [],
          environment: [],
        }),
      ),
      'HARD-STARTUP-001',
    );
    expect(startup.remediation).toMatch(
      /^It is compose\.yaml#app, a compose service, but ran alone because compose cannot resolve the stack: required variable CACHE_PASSWORD is missing a value: fix that \(a missing variable goes in runtime-env\)/,
    );
  });

  it('of a service that kept running but never became ready: what it retried, its log line, and why it ran alone', () => {
    const evidence = copy(hardened.evidence);
    if (evidence.runtime.state !== 'collected') throw new Error('recorded evidence has no runtime');
    const runtime = evidence.runtime.value;
    const log =
      "{ PORT: 3000, MONGODB_URI: 'mongodb://mongo:27017/TodoApp' }\nMongoDB connection unsuccessful, retry after 2 seconds. MongooseServerSelectionError: getaddrinfo EAI_AGAIN mongo";
    Object.assign(runtime.service.readiness, {
      method: 'port',
      port: 3000,
      readySeconds: null,
      outcome: 'timeout',
      attempts: 118,
    });
    Object.assign(runtime.service, { exited: null, logTail: log, waitingFor: waitingFor(log) });
    runtime.stack = {
      service: 'compose.yaml#backend',
      inStack: false,
      reason: "its dependencies cannot be started: mongo's image mongo:4.2.0 is not on the engine and cannot be pulled",
      project: null,
      dependencies: ['mongo'],
      seconds: null,
      networks: [],
      aliases: [],
      environment: [],
    };
    const startup = result(judge(evidence, { 'ready-timeout-seconds': '30' }), 'HARD-STARTUP-001');
    expect(startup.status).toBe('fail');
    expect(startup.message).toBe(
      "port 3000 never accepted a connection within 30 s (118 attempts): it kept running, but could not reach what it needs (the host name mongo does not resolve (wanted at mongo:27017, MongoDB's port)); its log: MongoDB connection unsuccessful, retry after 2 seconds. MongooseServerSelectionError: getaddrinfo EAI_AGAIN mongo; run alone: its dependencies cannot be started: mongo's image mongo:4.2.0 is not on the engine and cannot be pulled",
    );
    expect(startup.remediation).toMatch(
      /^It is compose\.yaml#backend, a compose service, but ran alone because its dependencies cannot be started/,
    );

    // Sampled while it waited, it was not idle in the state it serves in: nothing to judge.
    for (const id of ['HARD-MEMORY-001', 'HARD-CPU-001'])
      expect(result(judge(evidence), id)).toMatchObject({
        status: 'skip',
        message:
          'the service never became ready, so what it used while waiting is not its idle cost (see HARD-STARTUP-001)',
      });

    // A log that names nothing it waited for: its last lines, blank ones left out.
    Object.assign(runtime.service, { logTail: 'starting\n\nloading 12000 records\n', waitingFor: [] });
    runtime.stack = null;
    expect(result(judge(evidence, { 'ready-timeout-seconds': '30' }), 'HARD-STARTUP-001').message).toBe(
      'port 3000 never accepted a connection within 30 s (118 attempts); last log lines: starting | loading 12000 records',
    );
  });

  it('in its stack: healthy is said only of the dependencies that have a health check', () => {
    const evidence = copy(hardened.evidence);
    if (evidence.runtime.state !== 'collected') throw new Error('recorded evidence has no runtime');
    evidence.runtime.value.stack = {
      service: 'docker-compose.yaml#dev',
      inStack: true,
      reason: null,
      project: 'cs-hardening-x-1d',
      dependencies: ['db', 'redis'],
      seconds: 1.4,
      networks: ['cs-hardening-x-1d_urlnet'],
      aliases: ['dev'],
      environment: ['REDIS_HOST'],
      unchecked: ['redis'],
    };
    expect(result(judge(evidence), 'HARD-STARTUP-001').message).toMatch(
      /; in its stack \(docker-compose\.yaml#dev\): db up and healthy, redis up \(no health check to wait for\) first$/,
    );
  });

  it('a service ready by its listening socket says which, and how it was found', () => {
    const evidence = copy(hardened.evidence);
    if (evidence.runtime.state !== 'collected') throw new Error('recorded evidence has no runtime');
    Object.assign(evidence.runtime.value.service.readiness, {
      method: 'listening',
      port: 8080,
      readySeconds: 1.2,
      listening: [{ port: 8080, address: '0.0.0.0' }],
    });
    expect(result(judge(evidence), 'HARD-STARTUP-001').message).toBe(
      'ready after 1.20 s (it listened on TCP port 8080 on all addresses, seen in its network namespace: no EXPOSE or HEALTHCHECK declares it)',
    );
  });
});

describe('a thread that spins, from its scheduler statistics', () => {
  const snapshot = (at: number, threads: Record<string, [number, number, number]>): ThreadsSnapshot => ({
    at,
    threads: new Map(
      Object.entries(threads).map(([key, [runNs, waitNs, voluntary]]) => [key, { runNs, waitNs, voluntary }]),
    ),
  });

  it('is runnable through the whole window and never blocks: it wanted a whole core, whatever it got', () => {
    // Over 2 s: a busy loop got 0.3 s of CPU and waited 1.7 s for it; a server slept; a worker
    // ran 1 s but blocked on its queue; a thread born during the window says nothing.
    const before = snapshot(0, { '1/1': [0, 0, 5], '1/2': [0, 0, 10], '1/3': [0, 0, 3] });
    const after = snapshot(2000, {
      '1/1': [0.3e9, 1.7e9, 5],
      '1/2': [0.001e9, 0, 11],
      '1/3': [1e9, 0.95e9, 40],
      '1/4': [2e9, 0, 0],
    });
    expect(spinningThreads(before, after)).toEqual({ threads: 1, gotCpu: 0.15 });
  });

  it('reads schedstat and status', () => {
    expect(parseThread('300000000 1700000000 42\n', 'Name:\tsh\nvoluntary_ctxt_switches:\t5\n')).toEqual({
      runNs: 3e8,
      waitNs: 1.7e9,
      voluntary: 5,
    });
    expect(parseThread('', '')).toBeNull();
  });
});

describe('a timing near its limit, taken again', () => {
  const readiness = (readySeconds: number | null, attemptSeconds: number[]): ReadinessRecord => ({
    method: 'healthcheck',
    probe: ['probe'],
    port: null,
    readySeconds,
    attempts: attemptSeconds.length,
    attemptSeconds,
    lastExitCode: 0,
    lastOutput: '',
    outcome: readySeconds === null ? 'timeout' : 'ready',
    waitedSeconds: readySeconds ?? 30,
  });
  const limits = { maxStartupSeconds: 5, probeTimeoutSeconds: 10 };

  it('only when it comes within half its limit: a service far from its limits pays nothing', () => {
    expect(nearLimits(readiness(1.2, [0.3, 0.4]), limits)).toEqual([]);
    expect(nearLimits(readiness(2.6, [0.3]), limits)).toEqual(['startup']);
    expect(nearLimits(readiness(1.2, [2.5]), limits)).toEqual(['health probe']);
    expect(nearLimits(readiness(null, [9]), limits)).toEqual([]); // never ready: nothing to take again
  });

  it('counts the lower of each reading, and keeps both', () => {
    const judged = lowerReadings(readiness(4.7, [0.2, 2.8]), readiness(2.1, [0.9]));
    expect(judged).toMatchObject({
      readySeconds: 2.1,
      attemptSeconds: [0.9],
      remeasured: { readySeconds: [4.7, 2.1], slowestProbeSeconds: [2.8, 0.9] },
    });
    // A second start that never became ready hides nothing: the first reading stands.
    expect(lowerReadings(readiness(4.7, [2.8]), readiness(null, [1]))).toMatchObject({
      readySeconds: 4.7,
      attemptSeconds: [2.8],
    });
  });
});

describe('a hardened run that timed out beside a slow service', () => {
  const timedOut = { readiness: { outcome: 'timeout', waitedSeconds: 30 } as ReadinessRecord, exited: null };
  it('is taken again alone only when the service beside it needed half its time or more', () => {
    // link-shortener's watcher in the corpus: 27.5 s to listen beside the run's other containers.
    expect(hardenedNeedsRetake(timedOut, 27.5)).toBe(true);
    expect(hardenedNeedsRetake(timedOut, 2.1)).toBe(false);
    expect(hardenedNeedsRetake({ ...timedOut, exited: { exitCode: 1 } }, 27.5)).toBe(false);
    expect(hardenedNeedsRetake({ readiness: { ...timedOut.readiness, outcome: 'ready' }, exited: null }, 27.5)).toBe(
      false,
    );
    expect(hardenedNeedsRetake(timedOut, null)).toBe(false);
  });

  it('says that its verdict is of a start alone', () => {
    const evidence = copy(recorded('hardened').evidence);
    if (evidence.runtime.state !== 'collected') throw new Error('recorded evidence has no runtime');
    const runtime = evidence.runtime.value;
    runtime.hardened = {
      readiness: {
        ...runtime.service.readiness,
        outcome: 'timeout',
        readySeconds: null,
        attempts: 120,
        lastOutput: 'port 3000 refused',
      },
      exited: null,
      tmpfs: ['/tmp'],
      logTail:
        "error TS5033: Could not write file '/dist/main.js': EROFS: read-only file system, mkdir '/dist'.\n\nFound 1 error.",
      retakenAlone: { serviceReadySeconds: 27.5 },
    };
    expect(result(judge(evidence), 'HARD-FILESYSTEM-004').message).toBe(
      "with read-only root, tmpfs /tmp, cap-drop ALL, no-new-privileges, it never became ready (120 probe attempts; started again alone, as the first start ran beside the service, which itself took 27.5 s); last output: port 3000 refused; last log lines: error TS5033: Could not write file '/dist/main.js': EROFS: read-only file system, mkdir '/dist'. | Found 1 error.",
    );
  });
});

describe("the dependencies' bring-up, kept to itself", () => {
  it('publishes no port, fixes no name, mounts no named volume, and names its networks for its project', () => {
    const override = isolatingOverride(
      {
        services: {
          db: {
            image: 'postgres',
            volumes: [{ type: 'volume' }, { type: 'bind', source: '/c', target: '/c' }],
          },
        },
        networks: { backend: { name: 'shared' }, outside: { name: 'corp', external: true } },
      },
      ['db'],
    );
    expect(override).toBe(
      [
        'services:',
        '  "db":',
        '    ports: !reset []',
        '    container_name: !reset null',
        '    volumes: !override [{"type":"bind","source":"/c","target":"/c"}]',
        'networks:',
        '  "backend":',
        '    name: !reset null',
        '',
      ].join('\n'),
    );
  });
});
