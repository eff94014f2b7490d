import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exec, fixture, leftovers, REPO } from '../helpers/run.js';
import { parseOutputs } from '../helpers/runner.js';
import { watch } from '../helpers/spawn.js';
import { scratchDir } from '../helpers/scratch.js';

// Nothing of a run is left behind, however it ends. (Success, failed checks, an image that exits
// or cannot start, and a probe that times out are covered by runtime.test.ts, which asserts no
// leftovers after every test.) Here: cancellation, and a kill that no code can survive.

const cli = join(REPO, 'dist/cli.js');

/**
 * The buildx processes this test started: those whose environment carries its marker (buildx
 * inherits the CLI's environment), whoever their parent is now. Another build on the host is not
 * one of them.
 */
function buildxCarrying(marker: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (!/\bdocker(-buildx)? buildx build\b/.test(args)) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`CS_TEST_MARKER=${marker}`))
        found.push(Number(pid));
    } catch {
      // Gone since the listing, or not ours to read: not one of this test's processes.
    }
  }
  return found;
}

afterEach(async () => {
  // Whatever a failed assertion left, the next test starts clean.
  for (const line of await leftovers()) {
    const [kind, name] = line.split(' ');
    await exec('docker', [kind, 'rm', '-f', name]);
  }
});

describe.each(['SIGINT', 'SIGTERM'] as const)('cancelling the CLI with %s while containers run', (signal) => {
  it('removes them within 5 s and exits 130', async () => {
    // slow-start keeps the service in its readiness wait for 2.5 s; hardened and down-probe run too.
    const run = watch(process.execPath, [cli, 'check', '--context', fixture('slow-start'), '--cache-probe', 'false']);
    await run.waitFor(/probing readiness/);
    await sleep(500);
    const during = await leftovers();
    expect(during.length).toBeGreaterThan(0); // the run's containers exist now
    const sent = performance.now();
    run.child.kill(signal);
    const exit = await run.exited;
    expect(exit.code).toBe(130);
    expect((exit.at - sent) / 1000).toBeLessThan(5);
    // Each container, network and volume the run had when it was cancelled is gone from the engine.
    for (const line of during) {
      const [kind, name] = line.split(' ');
      expect([line, (await exec('docker', [kind, 'inspect', name])).code]).not.toEqual([line, 0]);
    }
    expect(await leftovers()).toEqual([]);
  });
});

describe('cancelling while a service runs in its stack', () => {
  it('removes its containers, then its dependencies and their network, and exits 130', async () => {
    const run = watch(process.execPath, [
      cli,
      'check',
      '--context',
      '__tests__/fixtures/compose/needs-redis',
      '--cache-probe',
      'false',
    ]);
    // The dependency is up and the app's containers are joining its network.
    await run.waitFor(/in its stack/);
    await sleep(300);
    const during = await leftovers();
    expect(during.some((line) => line.startsWith('container cs-hardening-') && line.endsWith('-cache-1'))).toBe(true);
    run.child.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code).toBe(130);
    expect(await leftovers()).toEqual([]);
  });
});

describe('cancelling during the build', () => {
  it('stops the build and exits 130', async () => {
    const marker = randomUUID();
    const run = watch(process.execPath, [cli, 'check', '--context', fixture('cache-good-order'), '--no-cache'], {
      env: { ...process.env, CS_TEST_MARKER: marker },
    });
    await run.waitFor(/▸ build…/);
    // The build this run started is running (else cancelling it would prove nothing).
    for (let waited = 0; buildxCarrying(marker).length === 0 && waited < 5000; waited += 100) await sleep(100);
    expect(buildxCarrying(marker).length).toBeGreaterThan(0);
    await sleep(300);
    run.child.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code).toBe(130);
    expect(await leftovers()).toEqual([]);
    expect(buildxCarrying(marker)).toEqual([]);
  });
});

describe("the action's post step", () => {
  it('sweeps what a killed main step left behind', async () => {
    const dir = scratchDir('post');
    const state = join(dir, 'state');
    writeFileSync(state, '');
    const env = {
      ...process.env,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: REPO,
      RUNNER_TEMP: dir,
      GITHUB_STATE: state,
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      INPUT_CONTEXT: fixture('slow-start'),
      'INPUT_CACHE-PROBE': 'false',
    };
    const main = watch(process.execPath, [join(REPO, 'dist/index.js')], { env });
    await main.waitFor(/probing readiness/);
    await sleep(500);
    main.child.kill('SIGKILL'); // no handler runs: the containers stay
    await main.exited;
    const left = await leftovers();
    expect(left.length).toBeGreaterThan(0);

    // The runner gives the post step the main step's state as STATE_<name>.
    const saved = parseOutputs(readFileSync(state, 'utf8'));
    expect(saved.isPost).toBe('true');
    const post = await exec(process.execPath, [join(REPO, 'dist/index.js')], {
      env: { ...env, STATE_isPost: 'true', 'STATE_run-id': saved['run-id'] },
    });
    expect(post.code).toBe(0);
    // A one-shot container of the killed step may remove itself (auto-remove) between the listing
    // above and the sweep: the sweep removes what is still there, and nothing is left.
    const removed = new RegExp(
      `removed (\\d+) leftover container\\(s\\)/network\\(s\\)/volume\\(s\\) of run ${saved['run-id']}`,
    ).exec(post.stdout);
    expect(removed).not.toBeNull();
    expect(Number(removed![1])).toBeGreaterThan(0);
    expect(Number(removed![1])).toBeLessThanOrEqual(left.length);
    expect(await leftovers()).toEqual([]);
  });
});
