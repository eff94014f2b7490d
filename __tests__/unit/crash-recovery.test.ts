import { judgeCrashRecovery } from '../../src/checks/compose/crash-recovery.js';
import { healthLimit, type CrashRecovery } from '../../src/evidence/crash-recovery.js';
import { composeOf } from '../helpers/static.js';

// HARD-COMPOSE-019 on each outcome compose-up can record for a crashed service, and the limit a
// service is given: what Docker allows a started container before it calls it unhealthy.

const stack = composeOf({
  compose: [
    'services:',
    '  web:',
    '    image: web',
    '    restart: unless-stopped',
    '  worker:',
    '    image: worker',
    '  migrate:',
    '    image: migrate',
    '',
  ].join('\n'),
});

const result = (overrides: Partial<CrashRecovery>): CrashRecovery => ({
  service: 'web',
  policy: 'unless-stopped',
  outcome: 'recovered',
  restartedAfter: 0.4,
  healthyAfter: 2.3,
  measuredBy: 'health check',
  limitSeconds: 65,
  detail: 'its health check passes again',
  ...overrides,
});

describe('HARD-COMPOSE-019', () => {
  it('passes a service the engine restarted and whose health check passed again, on its restart line', () => {
    const [verdict] = judgeCrashRecovery(stack.services, [result({})]);
    expect(verdict).toMatchObject({
      status: 'pass',
      message:
        'web: killed, restarted by the engine after 0.4 s (restart unless-stopped), its health check passes again 2.3 s after the kill (limit 65 s)',
      location: { file: 'compose.yaml', line: 4 },
    });
  });

  it('says what running again means without a health check', () => {
    const [verdict] = judgeCrashRecovery(stack.services, [
      result({ measuredBy: 'running', healthyAfter: 0.4, limitSeconds: 10 }),
    ]);
    expect(verdict.message).toContain('running again (no health check to ask) (limit 10 s)');
  });

  it("fails one its policy leaves down on the service's line, and one that never becomes healthy again", () => {
    const verdicts = judgeCrashRecovery(stack.services, [
      result({
        service: 'worker',
        policy: 'no',
        outcome: 'not restarted',
        restartedAfter: null,
        healthyAfter: null,
        detail: 'still down 3 s after the kill: it has no restart policy',
      }),
      result({
        outcome: 'not healthy again',
        healthyAfter: null,
        limitSeconds: 10,
        detail: 'restarted, and its health check did not pass again within 10 s of the kill',
      }),
    ]);
    expect(verdicts.map((verdict) => [verdict.status, verdict.location?.line, verdict.message])).toEqual([
      ['fail', 5, 'worker: does not recover from a crash: still down 3 s after the kill: it has no restart policy'],
      [
        'fail',
        4,
        'web: restarted, and its health check did not pass again within 10 s of the kill (restarted after 0.4 s, restart unless-stopped)',
      ],
    ]);
    expect(verdicts[0].remediation).toBe('Add `restart: unless-stopped` to the service.');
  });

  it('tells a one-shot service, one that was not running and one that could not be crashed apart, without judging them', () => {
    const verdicts = judgeCrashRecovery(stack.services, [
      result({ service: 'migrate', outcome: 'one-shot', detail: 'exited 0 before the kill: done by design' }),
      result({ service: 'worker', outcome: 'not running', detail: 'exited (exit 1) before the kill' }),
      result({ outcome: 'not killed', detail: "the helper's kill -KILL 42 exited 1" }),
    ]);
    expect(verdicts.map((verdict) => [verdict.status, verdict.message])).toEqual([
      ['skip', 'migrate: one-shot, exited 0 before the kill: done by design'],
      ['skip', 'worker: not crashed, it was not running: exited (exit 1) before the kill'],
      ['skip', "web: could not be crashed: the helper's kill -KILL 42 exited 1"],
    ]);
  });
});

describe('the limit a crashed service is given', () => {
  const s = 1e9;
  it("is the health check's start period, then retries intervals apart, the last timing out", () => {
    // The example stack's PostgreSQL: 10 s start period, 10 s × 5, 5 s timeout.
    expect(healthLimit({ Interval: 10 * s, Timeout: 5 * s, StartPeriod: 10 * s, Retries: 5 })).toBe(65);
  });

  it("uses Docker's defaults for what is not set (30 s interval and timeout, 3 retries), and never under 10 s", () => {
    expect(healthLimit({})).toBe(120);
    expect(healthLimit({ Interval: 1 * s, Timeout: 1 * s, Retries: 3 })).toBe(10);
  });
});
