import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgeStackLogs } from '../../src/checks/compose/logs.js';
import { checkSmokeTests } from '../../src/checks/compose/smoke.js';
import type { ComposeUpRecord } from '../../src/evidence/compose-up.js';
import { findCrashSignatures } from '../../src/evidence/crash-signatures.js';
import type { SmokeTestResult } from '../../src/evidence/smoke-tests.js';
import { secretValues } from '../../src/evidence/stack-logs.js';
import { parseSettings } from '../../src/inputs/resolve.js';
import { createLocator } from '../../src/evidence/locate.js';
import { composeOf } from '../helpers/static.js';

// HARD-COMPOSE-017 on logs recorded from real containers (__tests__/fixtures/logs: Node 22's own
// crash reports, CPython 3.11's traceback, PostgreSQL 15's and Redis 7's start-up and client
// errors, as `docker logs` gave them), and HARD-COMPOSE-018 on smoke-test results.

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (name: string): string => readFileSync(join(REPO, '__tests__/fixtures/logs', name), 'utf8');

describe('crash signatures', () => {
  it("finds Node's uncaught exception once, shown from its error line", () => {
    const found = findCrashSignatures(log('node-uncaught.txt'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'node uncaught exception', crash: true, line: 6 });
    expect(found[0].excerpt[0]).toBe('Error: boom: cannot read config');
    expect(found[0].excerpt[1]).toMatch(/^ {4}at /);
  });

  it('finds an async function that threw (Node reports it as uncaught) and an unhandled rejection, each once', () => {
    expect(findCrashSignatures(log('node-unhandled-error.txt')).map((found) => found.kind)).toEqual([
      'node uncaught exception',
    ]);
    const rejection = findCrashSignatures(log('node-unhandled-rejection.txt'));
    expect(rejection.map((found) => found.kind)).toEqual(['node unhandled rejection']);
    expect(rejection[0].excerpt[0]).toMatch(/^UnhandledPromiseRejection: .*ECONNREFUSED 10\.0\.0\.5:5432/);
  });

  it("names V8's heap exhaustion as out of memory, not as a FATAL line", () => {
    const found = findCrashSignatures(log('node-heap-oom.txt'));
    expect(found.map((finding) => [finding.kind, finding.crash])).toEqual([['out of memory', true]]);
  });

  it("finds CPython's traceback with its exception line", () => {
    const found = findCrashSignatures(log('python-traceback.txt'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'python traceback', line: 2 });
    expect(found[0].excerpt.at(-1)).toBe('ConnectionError: Error 111 connecting to redis:6379. Connection refused.');
  });

  it("tells PostgreSQL's FATAL lines for a client's mistake from a crash", () => {
    const found = findCrashSignatures(log('postgres-client-errors.txt'));
    expect(found.map((finding) => [finding.kind, finding.crash, finding.line])).toEqual([
      ['fatal log line', false, 9],
      ['fatal log line', false, 11],
    ]);
  });

  it("finds nothing in a clean start (Redis's WARNING lines, PostgreSQL's LOG lines)", () => {
    expect(findCrashSignatures(log('redis-clean.txt'))).toEqual([]);
    expect(findCrashSignatures(log('postgres-client-errors.txt').split('\n').slice(0, 8).join('\n'))).toEqual([]);
  });

  it("finds Go's panic and fatal error and Java's uncaught exception as their runtimes write them", () => {
    const go =
      'starting\npanic: runtime error: index out of range [3] with length 2\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:9 +0x1d\nexit status 2';
    expect(findCrashSignatures(go).map((found) => [found.kind, found.line])).toEqual([['go panic', 2]]);
    expect(findCrashSignatures('fatal error: all goroutines are asleep - deadlock!')[0].kind).toBe('go fatal error');
    expect(findCrashSignatures('fatal error: runtime: out of memory')[0].kind).toBe('out of memory');
    const java = 'Exception in thread "main" java.lang.IllegalStateException: no DB\n\tat App.main(App.java:5)';
    expect(findCrashSignatures(java)[0]).toMatchObject({
      kind: 'java uncaught exception',
      excerpt: [expect.any(String), '\tat App.main(App.java:5)'],
    });
  });

  it("names Java's out-of-memory death so, and finds a JSON logger's fatal level", () => {
    const java = 'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space\n\tat App.main(App.java:9)';
    expect(findCrashSignatures(java).map((found) => found.kind)).toEqual(['out of memory']);
    const json = '{"time":"2026-12-05T10:00:00Z","level":"fatal","msg":"cannot open the database"}';
    expect(findCrashSignatures(json).map((found) => [found.kind, found.crash])).toEqual([['fatal log line', false]]);
  });

  it("does not count an application's own words", () => {
    const words = [
      'handled 0 errors, 0 panics',
      'config: fatal=false, traceback=off',
      'GET /panic: 404',
      'LOG_LEVEL=FATAL',
      '  panic: indented is not the runtime',
      'INFO Exception in thread pool handled, retrying',
    ].join('\n');
    expect(findCrashSignatures(words)).toEqual([]);
  });

  it('keeps at most five findings for a crash loop', () => {
    expect(findCrashSignatures(log('python-traceback.txt').repeat(20))).toHaveLength(5);
  });
});

describe('secrets in what the stack logged', () => {
  it('hides the values of secret-named variables, longest first, and nothing else', () => {
    expect(
      secretValues({
        POSTGRES_PASSWORD: 'pg-pass-1',
        REDIS_PASSWORD: 'pg-pass-1-long',
        HOME: '/root',
        API_TOKEN: 'abc',
        PATH: undefined,
      }),
    ).toEqual(['pg-pass-1-long', 'pg-pass-1']);
  });
});

const stack = composeOf({
  compose: 'services:\n  web:\n    image: web\n  db:\n    image: postgres\n',
});
const up = (logs: ComposeUpRecord['logs']): ComposeUpRecord => ({
  files: [],
  project: 'p',
  ok: true,
  seconds: 1,
  output: '',
  gates: [],
  services: [],
  ...(logs ? { logs } : {}),
});

describe('HARD-COMPOSE-017', () => {
  it('passes each service that logged no crash, on its line', () => {
    const verdicts = judgeStackLogs(
      stack.services,
      up([
        {
          service: 'web',
          lines: 12,
          findings: findCrashSignatures(log('redis-clean.txt')),
          oomKilled: false,
          restarts: 0,
        },
      ]),
    );
    expect(verdicts).toEqual([
      expect.objectContaining({
        status: 'pass',
        message: 'web: 12 log lines, no crash, no OOM kill, no restart',
        location: { file: 'compose.yaml', line: 2 },
      }),
    ]);
  });

  it('fails a crash, an OOM kill and a restart, and warns of a FATAL line', () => {
    const verdicts = judgeStackLogs(
      stack.services,
      up([
        {
          service: 'web',
          lines: 6,
          findings: findCrashSignatures(log('python-traceback.txt')),
          oomKilled: true,
          restarts: 2,
        },
        {
          service: 'db',
          lines: 11,
          findings: findCrashSignatures(log('postgres-client-errors.txt')),
          oomKilled: false,
          restarts: 0,
        },
      ]),
    );
    expect(
      verdicts.map((verdict) => [
        verdict.status,
        verdict.severity,
        verdict.location?.line,
        verdict.message.split(':')[0] + ': ' + verdict.message.split(': ')[1],
      ]),
    ).toEqual([
      ['fail', undefined, 2, 'web: killed by the kernel for memory (the engine reports OOMKilled)'],
      ['fail', undefined, 2, 'web: restarted 2 times by the engine while the stack ran'],
      ['fail', undefined, 2, 'web: python traceback at line 2 of its log'],
      ['fail', 'warning', 4, 'db: a FATAL-level line at line 9 of its log'],
      ['fail', 'warning', 4, 'db: a FATAL-level line at line 11 of its log'],
    ]);
    expect(verdicts[2].message).toContain('ConnectionError: Error 111 connecting to redis:6379');
  });

  it('does not call a log it could not read clean', () => {
    const verdicts = judgeStackLogs(
      stack.services,
      up([
        {
          service: 'web',
          lines: 0,
          findings: [],
          oomKilled: false,
          restarts: 0,
          unreadable: 'configured logging driver does not support reading',
        },
      ]),
    );
    expect(verdicts.map((verdict) => [verdict.status, verdict.message])).toEqual([
      [
        'skip',
        'web: its log could not be read back, so it was not scanned: configured logging driver does not support reading',
      ],
    ]);
  });

  it('skips when the logs were not read', () => {
    expect(judgeStackLogs(stack.services, up(undefined))).toEqual([
      { status: 'skip', message: 'the logs of the stack were not read' },
    ]);
  });
});

describe('HARD-COMPOSE-018', () => {
  const run = (tests: SmokeTestResult[] | undefined, given: string[]) => {
    const settings = parseSettings({ 'smoke-test': given.join('\n') });
    const record = { ...up([]), ...(tests ? { smokeTests: tests } : {}) };
    const verdicts = checkSmokeTests.run(
      { composeUp: record },
      { settings, locate: createLocator(), evidence: {} as never },
    );
    return Array.isArray(verdicts) ? verdicts : [verdicts];
  };
  const result = (overrides: Partial<SmokeTestResult>): SmokeTestResult => ({
    command: 'wget -qO- http://web:8080/health',
    exitCode: 0,
    seconds: 0.4,
    timedOut: false,
    output: '{"status":"ok"}',
    error: null,
    ...overrides,
  });

  it('passes a command that exited 0, fails one that exited otherwise, timed out or could not run', () => {
    const verdicts = run(
      [
        result({}),
        result({
          command: 'wget -qO- http://web:8080/missing',
          exitCode: 1,
          output: 'wget: server returned error: HTTP/1.1 404 Not Found',
        }),
        result({ command: 'sleep 100', exitCode: null, timedOut: true, seconds: 60 }),
        result({ command: 'true', exitCode: null, error: 'No such image: busybox:1.37' }),
      ],
      ['a', 'b', 'c', 'd'],
    );
    expect(verdicts.map((verdict) => [verdict.status, verdict.message])).toEqual([
      ['pass', '`wget -qO- http://web:8080/health` exited 0 in 0.4 s'],
      [
        'fail',
        '`wget -qO- http://web:8080/missing` exited 1 after 0.4 s: wget: server returned error: HTTP/1.1 404 Not Found',
      ],
      ['fail', '`sleep 100` did not finish within 60 s (SMOKE_TEST_SECONDS): {"status":"ok"}'],
      ['fail', '`true` could not run: No such image: busybox:1.37: {"status":"ok"}'],
    ]);
  });

  it('skips without smoke tests, and when the stack did not come up to run them', () => {
    expect(run(undefined, [])[0]).toMatchObject({ status: 'skip', message: 'no smoke-test given' });
    const notRun = run([], ['wget -qO- http://web:8080/'])[0];
    expect(notRun.status).toBe('skip');
    expect(notRun.message).toMatch(/did not come up/);
  });
});
