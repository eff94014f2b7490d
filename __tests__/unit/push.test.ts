import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../src/docker/engine.js';
import { forkPullRequest } from '../../src/action/main.js';
import { resolveOptions } from '../../src/inputs/resolve.js';
import type { PushRecord, Report } from '../../src/model.js';
import { runExitCode } from '../../src/report/build-report.js';
import { describePush } from '../../src/report/push-line.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { pushedDigest, pushProvenImage } from '../../src/run/push.js';
import { CancelledError } from '../../src/util/errors.js';
import { pushTargetProblem } from '../../src/util/image-reference.js';
import { recorded, reportOf } from '../helpers/evidence.js';
import { scratchTree } from '../helpers/scratch.js';

// `push: true`: the proven image pushed as the user's tags, or withheld and why. The pushes
// themselves run against a registry in the integration suite (workflows.test.ts); here, what is
// decided before any push, and the digest read from what `docker push` printed on each engine.

const PUSH_OUTPUTS = join(process.cwd(), '__tests__/fixtures/push');

describe('the digest docker push prints', () => {
  it.each(readdirSync(PUSH_OUTPUTS))('is read from %s', (name) => {
    const output = readFileSync(join(PUSH_OUTPUTS, name), 'utf8');
    expect(pushedDigest(output)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is null when there is none', () => {
    expect(pushedDigest('unauthorized: authentication required\n')).toBeNull();
  });
});

describe('tags to push to', () => {
  it.each([
    ['ghcr.io/org/app:1.4', null],
    ['127.0.0.1:5000/app', null],
    ['registry.example.com:5000/team/app:v1.0.0-rc.1', null],
    ['ghcr.io/org/app:1.4@sha256:' + 'a'.repeat(64), /has a digest/],
    ['localhost/app:1', null],
    ['ghcr.io/Org/App:1.4', /not an image reference/],
    ['ghcr.io/org/app 1.4', /not an image reference/],
    ['ghcr.io/org/app:', /has a tag Docker refuses/],
    ['ghcr.io/org/app:v1.0.0+build.5', /has a tag Docker refuses/],
    // A branch name as the tag: `refs/heads/feature/x` → `feature/x` makes another repository.
    ['ghcr.io/org/app:feature/x', /not an image reference|has a tag/],
  ])('%s', (tag, problem) => {
    const found = pushTargetProblem(tag);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it('are required with push, read only with it, and need an engine', async () => {
    const root = scratchTree('push-inputs', { Dockerfile: 'FROM scratch\n' });
    await expect(resolveOptions({ push: 'true' }, root, 'action')).rejects.toThrow(
      'push: true needs tags: (where to push the proven image)',
    );
    // Tags without push are read by nothing (build-push-action's `push: ${{ … }}` pattern).
    await expect(resolveOptions({ tags: 'ghcr.io/org/app:1' }, root, 'cli')).resolves.toBeDefined();
    await expect(
      resolveOptions({ push: 'true', tags: 'ghcr.io/org/app:1', 'fail-on': 'never' }, root, 'action'),
    ).rejects.toThrow('push: true with fail-on never would push whatever the verdict');
    await expect(
      resolveOptions({ push: 'true', tags: 'ghcr.io/org/app:1', mode: 'static' }, root, 'action'),
    ).rejects.toThrow('push: true pushes the image this run builds and proves: it needs mode full');
    await expect(
      resolveOptions({ push: 'true', tags: `ghcr.io/org/app@sha256:${'b'.repeat(64)}` }, root, 'action'),
    ).rejects.toThrow(/^tags: 'ghcr\.io\/org\/app@sha256:b+' has a digest/);
    const options = await resolveOptions({ push: 'true', tags: 'ghcr.io/org/app:1.4\nghcr.io/org/app:latest' }, root);
    expect(options.settings.tags).toEqual(['ghcr.io/org/app:1.4', 'ghcr.io/org/app:latest']);
  });
});

describe('withheld before any push', () => {
  // These paths decide without the engine: one that is called fails the test.
  const engine = new Proxy({} as Engine, {
    get: () => {
      throw new Error('the engine was called');
    },
  });
  const report = (passed: boolean, targets = 1): Report => {
    const base = reportOf(recorded('hardened'));
    return {
      ...base,
      passed,
      targets: Array.from({ length: targets }, () => base.targets[0]),
    };
  };
  const tags = ['ghcr.io/org/app:1.4'];

  it.each([
    ['the verdict failed', report(false), null, 'the verdict did not pass fail-on: error'],
    [
      "a fork's pull request",
      report(true),
      'a pull request from a fork (someone/app) never pushes',
      'a pull request from a fork (someone/app) never pushes',
    ],
  ])('%s', async (_, given, refusal, reason) => {
    const record = await pushProvenImage({ engine, report: given, tags, refusal });
    expect(record).toMatchObject({ outcome: 'withheld', tags, digest: null, pushed: [], reason });
    // Withheld by rule: the exit code is the verdict's.
    expect(runExitCode({ ...given, push: record })).toBe(runExitCode(given));
  });

  it('pushes nothing once the run is cancelled, whatever the verdict', async () => {
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(
      pushProvenImage({ engine, report: report(true), tags, refusal: null, signal: cancelled.signal }),
    ).rejects.toThrow(CancelledError);
  });

  it('fails, exit 2, when the verdict passed and the run proved several targets', async () => {
    const record = await pushProvenImage({ engine, report: report(true, 2), tags, refusal: null });
    expect(record).toMatchObject({
      outcome: 'failed',
      reason: 'push sends one proven image; this run proved 2 targets',
    });
    expect(runExitCode({ ...report(true, 2), push: record })).toBe(2);
  });

  it('is said in the terminal, and a refused push exits 2', () => {
    const failed: PushRecord = {
      outcome: 'failed',
      tags,
      imageId: 'sha256:' + 'c'.repeat(64),
      digest: null,
      pushed: [],
      reason: 'docker push ghcr.io/org/app:1.4 failed: denied: permission_denied',
    };
    const passed = report(true);
    expect(runExitCode(passed)).toBe(0);
    expect(runExitCode({ ...passed, push: failed })).toBe(2);
    expect(describePush(failed)).toBe(
      'Push failed (ghcr.io/org/app:1.4): docker push ghcr.io/org/app:1.4 failed: denied: permission_denied',
    );
    const digest = 'sha256:' + 'd'.repeat(64);
    const pushed: PushRecord = {
      ...failed,
      outcome: 'pushed',
      digest,
      pushed: [{ tag: tags[0], digest }],
      reason: null,
    };
    expect(renderTerminal({ ...passed, push: pushed })).toContain(
      `Pushed ghcr.io/org/app:1.4 as sha256:${'d'.repeat(64)}: the image this run proved (sha256:${'c'.repeat(64)})`,
    );
  });
});

describe("a fork's pull request never pushes (the action)", () => {
  const dir = scratchTree('push-events', {
    'fork.json': JSON.stringify({ pull_request: { head: { repo: { full_name: 'someone/app', fork: true } } } }),
    'same.json': JSON.stringify({ pull_request: { head: { repo: { full_name: 'org/app' } } } }),
    'deleted.json': JSON.stringify({ pull_request: { head: { repo: null } } }),
    'run-fork.json': JSON.stringify({
      workflow_run: { event: 'pull_request', head_repository: { full_name: 'someone/app' } },
    }),
    'run-push.json': JSON.stringify({ workflow_run: { event: 'push', head_repository: { full_name: 'org/app' } } }),
  });
  const env = (name: string, file: string): NodeJS.ProcessEnv => ({
    GITHUB_EVENT_NAME: name,
    GITHUB_EVENT_PATH: join(dir, file),
    GITHUB_REPOSITORY: 'org/app',
  });

  it.each([
    ['pull_request', 'fork.json', 'a pull request from a fork (someone/app) never pushes'],
    ['pull_request_target', 'fork.json', 'a pull request from a fork (someone/app) never pushes'],
    ['pull_request', 'same.json', null],
    ['pull_request', 'deleted.json', 'a pull request from a fork (a repository that no longer exists) never pushes'],
    ['pull_request', 'missing.json', /could not be read/],
    ['workflow_run', 'run-fork.json', 'a pull request from a fork (someone/app) never pushes'],
    ['workflow_run', 'run-push.json', null],
    ['push', 'missing.json', null],
  ] as const)('%s with %s', (name, file, expected) => {
    const refusal = forkPullRequest(env(name, file));
    if (expected === null) expect(refusal).toBeNull();
    else if (typeof expected === 'string') expect(refusal).toBe(expected);
    else expect(refusal).toMatch(expected);
  });
});
