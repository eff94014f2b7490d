import AjvModule from 'ajv-draft-04';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeGitHub, pullRequestEvent, type FakeGitHub } from '../helpers/github-api.js';
import { NODE24, runAction } from '../helpers/runner.js';
import { reportSchema, schemaErrors } from '../helpers/schema.js';
import { check, REPO } from '../helpers/run.js';
import type { Report } from '../../src/model.js';

// The bundled action, run exactly as the runner runs it on a pull request, against a local
// stand-in for GitHub's REST API.

const event = pullRequestEvent('org', 'service', 7);
let api: FakeGitHub;

beforeEach(async () => {
  api = await fakeGitHub('org', 'service', 7);
});
afterEach(async () => {
  await api.close();
});

const quick = { 'idle-seconds': '1', 'cache-probe': 'false' };
const withApi = () => ({ event, node: NODE24, env: { GITHUB_API_URL: api.url } });

/** The workflow commands the action printed: `::error file=…,line=…,title=…::message`. */
function annotations(stdout: string): { level: string; properties: string; message: string }[] {
  return [...stdout.matchAll(/^::(error|warning|notice)( [^:]*)?::(.*)$/gm)].map((match) => ({
    level: match[1],
    properties: match[2]?.trim() ?? '',
    message: match[3],
  }));
}

describe('on a pull request', () => {
  it("annotates the lines (capped, most severe first, none twice), writes the production checklist's tables, SARIF, and keeps one comment", async () => {
    const first = await runAction(
      {
        context: 'examples/legacy',
        comment: 'true',
        'github-token': 'test-token',
        'sarif-file': '.tmp/legacy.sarif',
        ...quick,
      },
      withApi(),
    );
    expect(first.code).toBe(1);

    const shown = annotations(first.stdout).filter((annotation) => annotation.properties.includes('title='));
    const levels = shown.map((annotation) => annotation.level);
    expect(levels.filter((level) => level === 'error').length).toBeLessThanOrEqual(10);
    expect(levels.filter((level) => level === 'warning').length).toBe(10);
    expect(levels.join(',')).toMatch(/^(error,)*(warning,)*(notice,?)*$/); // most severe first
    expect(new Set(shown.map((annotation) => `${annotation.properties}${annotation.message}`)).size).toBe(shown.length);
    expect(shown.find((annotation) => annotation.properties.includes('HARD-TOOLS-001'))?.properties).toBe(
      'title=HARD-TOOLS-001 No build tools in the runtime image,file=examples/legacy/Dockerfile,line=6',
    );
    expect(shown[shown.length - 1].message).toMatch(/^\d+ more finding\(s\) \(.*\) are not annotated/);

    expect(first.summary).toMatch(/\| \*\*Runs as root\*\* \| ❌ Yes &#40;UID 0&#41; \| CRITICAL \|/);
    expect(first.summary).toMatch(/\| Build tools \| \d+\.\d MB \|/);
    expect(first.summary).toMatch(/\| Container startup \| ≤ 5 s \| [\d.]+ s \| ✅ pass \|/);
    expect(first.summary).toMatch(/- \[ \] Non&#45;root user `csops` &#40;UID 1000&#41; — HARD-USER-003 failed/);

    const sarif = JSON.parse(
      readFileSync(join(first.dir, '..', '..', process.cwd(), '.tmp/legacy.sarif'), 'utf8'),
    ) as object;
    const schema = JSON.parse(
      readFileSync('node_modules/@microsoft/sarif-matcher-utils/lib/schemas/sarif-2.1.0-rtm.5.json', 'utf8'),
    ) as object;
    const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as new (
      options: object,
    ) => { validate(schema: object, data: unknown): boolean; errors?: unknown };
    const ajv = new Ajv({ strict: false, validateFormats: false, unicodeRegExp: false });
    expect(ajv.validate(schema, sarif) ? [] : ajv.errors).toEqual([]);

    expect(api.comments).toHaveLength(1);
    expect(api.comments[0].body).toMatch(
      /^<!-- cs-docker-hardening:examples\/legacy -->\n## ❌ Container hardening: failed/,
    );
    expect(api.comments[0].body).toContain(
      '[Full report in the job summary](https://github.com/org/service/actions/runs/42)',
    );
    expect(api.requests.every((request) => request.authorization === 'token test-token')).toBe(true);
    expect(first.stdout).toMatch(
      /pull request comment created: https:\/\/github\.com\/org\/service\/pull\/7#issuecomment-1000/,
    );

    // The second run updates the same comment in place.
    const second = await runAction(
      { context: 'examples/legacy', comment: 'true', 'github-token': 'test-token', ...quick },
      withApi(),
    );
    expect(second.stdout).toMatch(/pull request comment updated/);
    expect(api.comments).toHaveLength(1);
    expect(api.requests.map((request) => request.method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
  });

  it("falls back to the summary with a notice when the token may not write (a fork's pull request)", async () => {
    api.readOnly = true;
    const run = await runAction(
      { context: 'examples/hardened', comment: 'true', 'github-token': 'read-only', ...quick },
      withApi(),
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^::notice::No pull request comment: the token may not write to this pull request \(HTTP 403/m,
    );
    expect(run.summary).toContain('## ✅ Container hardening: passed');
    expect(api.comments).toHaveLength(0);
  });

  it("shows the production checklist's improvements with the legacy image as the baseline", async () => {
    const legacy = await check({ context: 'examples/legacy', ...quick, 'hardened-run': 'false' });
    const run = await runAction(
      { context: 'examples/hardened', 'baseline-image': legacy.target.imageId!, ...quick },
      withApi(),
    );
    expect(run.code).toBe(0);
    expect(run.summary).toContain('| Issue | Before | After | Impact |');
    expect(run.summary).toMatch(
      /\| \*\*Runs as root\*\* \| ❌ Yes &#40;UID 0&#41; \| ✅ No &#40;UID 1000&#41; — fixed \| CRITICAL \|/,
    );
    expect(run.summary).toMatch(
      /\| \*\*Build tools in runtime\*\* \| ❌ Yes &#40;as, c&#43;&#43;, cc, cpp, g&#43;&#43;, …&#41; \| ✅ No — fixed \| HIGH \|/,
    );
    expect(run.summary).toMatch(
      /\| \*\*Health check\*\* \| ❌ Fake &#40;passes with the service down&#41; \| ✅ Real &#40;fails when the service is down&#41; — fixed \| HIGH \|/,
    );
    expect(run.summary).toMatch(
      /\| \*\*Image size\*\* \| ❌ 567\.\d MB unpacked \| ✅ 20[34]\.\d MB unpacked — −36\d\.\d MB &#40;−6\d%&#41; \| MEDIUM \|/,
    );
    expect(run.summary).toMatch(/\| Build tools \| \d+\.\d MB \| 0 B \| −\d+\.\d MB &#40;−100%&#41; \|/);
    // The baseline is an image without its Dockerfile: its base is found by the tested image's
    // base layer digests (the same python:3.11-slim), so the rows compare like with like.
    expect(run.summary).toMatch(/\| Base image \| (179\.\d MB) \| \1 \| unchanged \|/);
    const report = JSON.parse(readFileSync(run.outputs['report-file'], 'utf8')) as {
      baseline: { runUid: number };
      baselineLabel: string;
    };
    expect(report.baseline.runUid).toBe(0);
    expect(report.baselineLabel).toBe(legacy.target.imageId);
  });
});

describe('the example stack on a pull request: one run, one verdict', () => {
  it('proves both built services, brings the stack up from them, and reports once: one summary, one comment, one SARIF', async () => {
    const run = await runAction(
      {
        context: 'examples/stack',
        'compose-up': 'true',
        'runtime-env': 'POSTGRES_PASSWORD=example-only\nREDIS_PASSWORD=example-only',
        // Each of the four services is crashed once the stack is up, from this helper; the smoke
        // test asks the app by name from the stack's network.
        'helper-image': 'cs-hardening/busybox-tini:local',
        'smoke-test': 'wget -qO- http://app:8080/health',
        comment: 'true',
        'github-token': 'test-token',
        'sarif-file': '.tmp/stack.sarif',
        'report-file': '.tmp/stack.json',
        // The scanner's reports on the app's image and on its base: what the change adds and fixes.
        'vulnerability-report': 'app=__tests__/fixtures/scanners/trivy-after.json',
        'baseline-vulnerability-report': 'app=__tests__/fixtures/scanners/trivy-before.json',
        'max-critical': '1',
        'max-high': '1',
        ...quick,
      },
      withApi(),
    );
    expect({ code: run.code, stdout: run.code === 0 ? '' : run.stdout }).toEqual({ code: 0, stdout: '' });
    // One summary, opening with the overview of every target, then a section each.
    expect(run.summary.match(/## ✅ Container hardening: passed/g)).toHaveLength(1);
    expect(run.summary).toContain('| Target | Verdict | Size | User | Health | Startup | Stop | Failed checks |');
    expect(run.summary).toMatch(/\| app \| ✅ passed \| [\d.]+ MB \| UID 10001 \| Real \| [\d.]+ s \| [\d.]+ s \|/);
    expect(run.summary).toMatch(/\| worker \| ✅ passed \| [\d.]+ MB \| UID 10002 \| Real \| [\d.]+ s \| [\d.]+ s \|/);
    expect(run.summary.match(/<details[^>]*><summary>✅ <b>/g)).toHaveLength(3);
    // For auditors and platform teams: CIS coverage, and the securityContext each image proved.
    const readable = run.summary.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    expect(readable).toMatch(/<summary><b>CIS Docker Benchmark v1\.6\.0<\/b>, images \(4\) and runtime \(5\): \d+ met/);
    expect(readable).toContain('| 4.1 | A user for the container has been created | ✅ met |');
    // postgres and redis do not run read-only: the compose file does not meet 5.13.
    expect(readable).toContain(
      "| 5.13 | The container's root filesystem is mounted as read only | ❌ not met | <code>HARD-COMPOSE-010</code> |",
    );
    // Within the thresholds given, but the change adds fixable vulnerabilities: 4.4 is not met.
    expect(readable).toMatch(
      /\| 4\.4 \| Images are scanned and rebuilt to include security patches \| ❌ not met \| <code>HARD-VULNERABILITIES-003<\/code>/,
    );
    expect(readable.match(/### Kubernetes securityContext/g)).toHaveLength(2);
    expect(readable).toContain('  runAsUser: 10001\n  runAsGroup: 10001\n  readOnlyRootFilesystem: true');
    expect(readable).toContain('  runAsUser: 10002\n');
    expect(readable).toContain('### Vulnerabilities this change adds and fixes');
    expect(readable).toMatch(
      /\| CVE-2026-20001 \| libcurl4 7\.88\.1-10\+deb12u7 \| critical \| 7\.88\.1-10\+deb12u8 \| ❌ new \|/,
    );
    expect(readable).toMatch(/\| CVE-2026-10001 \| libssl3 .* \| ✅ fixed \|/);
    // postgres and redis only name an image: said once for the run, with how to prove them.
    expect(readable.match(/\*\*Not covered by this run\*\*/g)).toHaveLength(1);
    expect(readable).toContain(
      '- postgres (examples/stack/compose.yaml:60): image postgres:15-bookworm not proven (check-service-images is off)',
    );
    expect(readable).toContain(
      '- redis (examples/stack/compose.yaml:82): image redis:7-bookworm not proven (check-service-images is off)',
    );
    expect(readable).toContain('set check-service-images: true to prove them');
    expect(api.comments[0].body.match(/\*\*Not covered by this run\*\*/g)).toHaveLength(1);
    expect(run.stdout.match(/^Not covered by this run:$/gm)).toHaveLength(1);
    // The stack came up from the proven images: every service healthy, after its health gates.
    const report = JSON.parse(readFileSync(join(REPO, '.tmp/stack.json'), 'utf8')) as Report;
    expect(schemaErrors(reportSchema, report)).toEqual([]); // the published contract
    // The example commits .env.example, not .env: the notes say which file stood in for it.
    expect(report.notes).toEqual([
      'compose-env-example: examples/stack/.env.example, the committed example, stands in for the missing examples/stack/.env',
      expect.stringMatching(/^postgres \(examples\/stack\/compose\.yaml:\d+\): image postgres:15-bookworm not proven/),
      expect.stringMatching(/^redis \(examples\/stack\/compose\.yaml:\d+\): image redis:7-bookworm not proven/),
      expect.stringMatching(/^the services that only name an image are proven only when asked/),
    ]);
    const stack = report.targets.find((target) => target.kind === 'stack')!;
    expect(stack.checks.find((check) => check.id === 'HARD-COMPOSE-012')).toMatchObject({ status: 'pass' });
    expect(stack.checks.find((check) => check.id === 'HARD-COMPOSE-013')).toMatchObject({ status: 'pass' });
    // The stack under fault: every dependency's outage noticed and recovered from, every service
    // back after a crash; the services on the internal backend network have no way out (proven
    // from inside on Engine 25 and later; 20.10 keeps a route to the internal bridge, said so).
    const statuses = (id: string) =>
      stack.checks
        .filter((check) => check.id === id)
        .map((check) => `${check.message.split(/[:' ]/)[0]} ${check.status}`)
        .sort();
    expect(statuses('HARD-COMPOSE-020')).toEqual(['app pass', 'worker pass']);
    expect(statuses('HARD-COMPOSE-017')).toEqual(['app pass', 'postgres pass', 'redis pass', 'worker pass']);
    expect(statuses('HARD-COMPOSE-016')).toEqual(['app pass', 'postgres pass', 'redis pass', 'worker pass']);
    expect(stack.checks.find((check) => check.id === 'HARD-COMPOSE-018')).toMatchObject({ status: 'pass' });
    expect(statuses('HARD-COMPOSE-019')).toEqual(['app pass', 'postgres pass', 'redis pass', 'worker pass']);
    const isolated = Number(report.engine!.version.split('.')[0]) >= 25 ? 'pass' : 'skip';
    expect(statuses('HARD-COMPOSE-021')).toEqual([
      'app skip',
      `postgres ${isolated}`,
      `redis ${isolated}`,
      `worker ${isolated}`,
    ]);
    expect(
      stack.checks.find((check) => check.id === 'HARD-COMPOSE-021' && check.message.startsWith('app'))!.message,
    ).toMatch(
      /^app: not claimed isolated; a way out: a default route via [\d.]+ \(eth\d\) .*publishes on all interfaces|^app: not claimed isolated; a way out: a default route via [\d.]+ \(eth\d\) \(networks/,
    );
    expect(readable).toContain('### Stack resilience');
    expect(report.targets.map((target) => [target.name, target.kind])).toEqual([
      ['examples/stack/compose.yaml', 'stack'],
      ['app', 'build'],
      ['worker', 'build'],
    ]);
    // One comment, one SARIF file with a run per target, each its own code-scanning category.
    expect(api.comments).toHaveLength(1);
    expect(api.comments[0].body).toContain('| Target | Verdict |');
    const sarif = JSON.parse(readFileSync(join(REPO, '.tmp/stack.sarif'), 'utf8')) as {
      runs: { automationDetails: { id: string } }[];
    };
    expect(sarif.runs.map((entry) => entry.automationDetails.id)).toEqual([
      'cs-docker-hardening/examples/stack/compose.yaml/',
      'cs-docker-hardening/app/',
      'cs-docker-hardening/worker/',
    ]);
    // Outputs for the run, and each target as JSON.
    const targets = JSON.parse(run.outputs.targets) as { name: string; passed: boolean; imageId: string | null }[];
    expect(targets.map((target) => [target.name, target.passed])).toEqual([
      ['examples/stack/compose.yaml', true],
      ['app', true],
      ['worker', true],
    ]);
    expect(targets[1].imageId).toMatch(/^sha256:/);
    expect(run.outputs.passed).toBe('true');
  });
});
