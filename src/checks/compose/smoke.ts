import { defineCheck, type Verdict } from '../registry.js';

// The user's smoke tests (smoke-test), run by compose-up against the stack it brought up
// (src/evidence/smoke-tests.ts): one verdict per command, in the order given.

export const checkSmokeTests = defineCheck({
  id: 'HARD-COMPOSE-018',
  category: 'compose',
  severity: 'error',
  title: 'The smoke tests pass against the running stack',
  proves:
    'Each command given as smoke-test, run in a helper container (helper-image) on every network of the stack compose-up brought up, exited 0 within 60 s.',
  why: 'Healthy is what each service says of itself; a smoke test asks the stack what a user would, through the names and ports the services use to reach each other.',
  threshold: 'smoke-test: none (skipped)',
  remediation:
    "Read the command's output shown; run it by hand against the stack (`docker compose up -d`, then `docker run --rm --network PROJECT_default IMAGE sh -c 'COMMAND'`).",
  needs: ['composeUp'],
  run({ composeUp }, { settings }) {
    const tests = composeUp.smokeTests ?? [];
    if (settings.smokeTest.length === 0) return { status: 'skip', message: 'no smoke-test given' };
    if (tests.length === 0)
      return { status: 'skip', message: 'the smoke tests did not run: the stack did not come up (HARD-COMPOSE-012)' };
    return tests.map((test): Verdict => {
      const took = `${test.seconds.toFixed(1)} s`;
      if (test.exitCode === 0)
        return { status: 'pass', message: `\`${test.command}\` exited 0 in ${took}`, measured: test };
      const what = test.error
        ? `could not run: ${test.error}`
        : test.timedOut
          ? 'did not finish within 60 s (SMOKE_TEST_SECONDS)'
          : `exited ${test.exitCode} after ${took}`;
      const output = test.output ? `: ${test.output.split('\n').slice(-3).join(' | ')}` : '';
      return { status: 'fail', message: `\`${test.command}\` ${what}${output}`, measured: test };
    });
  },
});
