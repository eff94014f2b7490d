import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Report } from '../../src/model.js';
import { HARDENING_PREDICATE_TYPE } from '../../src/report/attestation.js';
import { exec, leftovers, REPO } from '../helpers/run.js';
import { runAction, type RunnerRun } from '../helpers/runner.js';
import { reportSchema, schemaErrors } from '../helpers/schema.js';
import { scratchDir } from '../helpers/scratch.js';

// The README's workflows, run as the runner runs them: the matrix of shares merged into one
// verdict, and the release gate pushing exactly the proven image to a registry on this machine.

interface Step {
  uses?: string;
  run?: string;
  id?: string;
  with?: Record<string, string | boolean | number>;
  env?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { strategy?: { matrix: { targets: string[] } }; steps: Step[] }>;
}

/** The README's workflow whose text contains `marker`. */
function readmeWorkflow(marker: string): Workflow {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]);
  const found = blocks.filter((block) => block.includes(marker));
  if (found.length !== 1) throw new Error(`expected one README workflow with '${marker}', found ${found.length}`);
  return parse(found[0]) as Workflow;
}

function ourStep(steps: Step[]): Step {
  const step = steps.find((candidate) => candidate.uses?.startsWith('org/cs-docker-hardening@'));
  if (!step) throw new Error('the workflow job does not use the action');
  return step;
}

/** A step's `with:` as INPUT_* values, `${{ matrix.x }}` and `${{ steps.… }}` filled from `values`. */
function inputsOf(step: Step, values: Record<string, string> = {}): Record<string, string> {
  const filled = (text: string): string =>
    text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => {
      if (!(name in values)) throw new Error(`the test does not know ${name}`);
      return values[name];
    });
  return Object.fromEntries(Object.entries(step.with ?? {}).map(([name, value]) => [name, filled(String(value))]));
}

// The run-wide settings the fixture's repository would keep in its config: quick, and one
// expectation only the api meets, so the verdict has passes and failures to agree on.
const CONFIG = [
  'expected-uid: 18080',
  'idle-seconds: 1',
  'cache-probe: false',
  'hardened-run: false',
  'no-cache: true',
  '',
].join('\n');

function checkout(prefix: string): string {
  const dir = scratchDir(prefix);
  cpSync(join(REPO, '__tests__/fixtures/monorepo'), dir, { recursive: true });
  mkdirSync(join(dir, '.github'), { recursive: true });
  writeFileSync(join(dir, '.github/container-hardening.yml'), CONFIG);
  return dir;
}

/**
 * Numbers vary between two builds and runs of the same Dockerfiles (seconds, bytes of memory, the
 * image ids of builds made at other times); nothing else may.
 */
function masked(text: string): string {
  return text
    .replace(/sha256:[0-9a-f]{12,64}/g, 'sha256:…')
    .replace(/\d+(\.\d+)?/g, '#')
    .replace(/# (B|kB|MB|GB)\b/g, '# bytes');
}

function verdicts(report: Report): [string, boolean, string[]][] {
  return report.targets.map((target) => [
    target.name,
    target.passed,
    target.checks.map((check) => `${check.id}:${check.status}`),
  ]);
}

describe("the README's matrix workflow: three shares and a merge give one run's verdict", () => {
  it('merges the shares of a four-image monorepo into the report, summary, SARIF and exit code of one run', async () => {
    const workflow = readmeWorkflow('mode: merge');
    const [proveName, verdictName] = Object.keys(workflow.jobs);
    const prove = workflow.jobs[proveName];
    const shares = prove.strategy!.matrix.targets;
    expect(shares).toHaveLength(3);

    // Each matrix job: its own checkout, its share, its report uploaded (here: copied).
    const downloaded = checkout('verdict-job');
    const reports = join(downloaded, 'reports');
    mkdirSync(reports);
    const step = ourStep(prove.steps);
    const shareRuns: RunnerRun[] = [];
    for (const [index, targets] of shares.entries()) {
      const inputs = inputsOf(step, { 'matrix.targets': targets, 'strategy.job-index': String(index) });
      const workspace = checkout(`share-${index}`);
      const run = await runAction(inputs, { env: { GITHUB_WORKSPACE: workspace } });
      shareRuns.push(run);
      expect({ share: index, code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
      copyFileSync(join(workspace, inputs['report-file']), join(reports, inputs['report-file']));
    }
    expect(shareRuns.map((run) => run.summary)).toEqual(['', '', '']); // summary: false
    expect(shareRuns.every((run) => !/::(error|warning) /.test(run.stdout))).toBe(true); // annotations: false

    // The merge job, as the README gives it.
    const mergeStep = ourStep(workflow.jobs[verdictName].steps);
    const mergeInputs = inputsOf(mergeStep);
    const merged = await runAction(
      { ...mergeInputs, 'report-file': 'merged.json' },
      { env: { GITHUB_WORKSPACE: downloaded } },
    );

    // One run over all four, with the same settings as the merge job gives the verdict.
    const allTargets = shares.map((targets) => targets.trim()).join('\n');
    const { mode: _mode, reports: _reports, ...runInputs } = mergeInputs;
    const workspace = checkout('one-run');
    const single = await runAction(
      { ...runInputs, targets: allTargets, 'report-file': 'single.json' },
      { env: { GITHUB_WORKSPACE: workspace } },
    );

    const mergedReport = JSON.parse(readFileSync(join(downloaded, 'merged.json'), 'utf8')) as Report;
    const singleReport = JSON.parse(readFileSync(join(workspace, 'single.json'), 'utf8')) as Report;
    expect(singleReport.targets.map((target) => target.name)).toEqual([
      'services/api',
      'services/web',
      'services/worker',
      'tools/scheduler',
    ]);
    expect(schemaErrors(reportSchema, mergedReport)).toEqual([]);
    expect(schemaErrors(reportSchema, singleReport)).toEqual([]);
    // Same verdicts: per target, per check; only the api meets expected-uid.
    expect(verdicts(mergedReport)).toEqual(verdicts(singleReport));
    expect(mergedReport.targets.map((target) => target.passed)).toEqual([true, false, false, false]);
    expect(mergedReport.passed).toBe(false);
    // Same exit code and outputs.
    expect(single.code).toBe(1);
    expect(merged.code).toBe(single.code);
    expect(merged.outputs.passed).toBe(single.outputs.passed);
    expect(merged.outputs['failed-checks']).toBe(single.outputs['failed-checks']);
    expect(masked(merged.outputs.targets)).toBe(masked(single.outputs.targets));
    // Same summary, table for table, but for the measured numbers.
    expect(merged.summary).toContain('| Target | Verdict |');
    expect(masked(merged.summary)).toBe(masked(single.summary));
    // Same annotations, and the same SARIF runs with the same results.
    const annotationLines = (run: RunnerRun): string[] =>
      run.stdout
        .split('\n')
        .filter((line) => /^::(error|warning|notice) /.test(line))
        .map(masked);
    expect(annotationLines(merged).length).toBeGreaterThan(0);
    expect(annotationLines(merged)).toEqual(annotationLines(single));
    const sarifOf = (dir: string): unknown => {
      const sarif = JSON.parse(readFileSync(join(dir, mergeInputs['sarif-file']), 'utf8')) as {
        runs: { automationDetails?: unknown; results: { ruleId: string; level: string; locations: unknown }[] }[];
      };
      return sarif.runs.map((run) => ({
        id: run.automationDetails,
        results: run.results.map((entry) => [entry.ruleId, entry.level, entry.locations]),
      }));
    };
    expect(sarifOf(downloaded)).toEqual(sarifOf(workspace));
    expect(await leftovers()).toEqual([]);
  });

  it('stops with one line when the reports are missing or not reports', async () => {
    const dir = checkout('merge-bad');
    writeFileSync(join(dir, 'hardening-x.json'), '{"runs": []}');
    const none = await runAction({ mode: 'merge', reports: 'reports/*.json' }, { env: { GITHUB_WORKSPACE: dir } });
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/::error::merge: no report matches reports\/\*\.json/);
    const wrong = await runAction({ mode: 'merge', reports: 'hardening-x.json' }, { env: { GITHUB_WORKSPACE: dir } });
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toMatch(/::error::merge: .*hardening-x\.json is not a cs-docker-hardening report/);
    const empty = await runAction({ mode: 'merge' }, { env: { GITHUB_WORKSPACE: dir } });
    expect(empty.code).toBe(2);
    expect(empty.stdout).toMatch(/::error::mode: merge needs `reports`/);
  });
});

const REGISTRY = '127.0.0.1:5000';

async function docker(args: string[]): Promise<string> {
  const result = await exec('docker', args);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

describe("the README's release gate, against a registry on this machine", () => {
  beforeAll(async () => {
    const cosign = await exec('cosign', ['version']);
    if (cosign.code !== 0)
      throw new Error(`cosign is not on the PATH: scripts/setup-engine.sh installs it (${cosign.stderr})`);
    const registry = await exec('curl', ['-fsS', `http://${REGISTRY}/v2/`]);
    if (registry.code !== 0)
      throw new Error(`no registry answers at ${REGISTRY}: scripts/setup-engine.sh starts one (${registry.stderr})`);
  });

  it('pushes exactly the image that was proven: pulled back, same digest and same image id; nothing when it fails', async () => {
    const proveStep = ourStep(Object.values(readmeWorkflow('push: true').jobs)[0].steps);
    // An image of its own (a label nobody else builds), so removing it touches no other test.
    const workspace = checkout('release');
    const unique = randomBytes(6).toString('hex');
    const dockerfile = join(workspace, 'services/api/Dockerfile');
    const written = `${readFileSync(dockerfile, 'utf8')}LABEL org.test.release="${unique}"\n`;
    const repository = `release-${unique}`;
    const image = `${REGISTRY}/${repository}:v1.0.0`;
    // The step's own inputs, with the registry here for ghcr.io.
    const inputs = inputsOf(proveStep, { 'github.repository': repository, 'github.ref_name': 'v1.0.0' });
    inputs.tags = inputs.tags.replace('ghcr.io', REGISTRY);
    expect(inputs).toMatchObject({
      push: 'true',
      tags: image,
      'fail-on': 'error',
      'attestation-file': 'hardening.intoto.json',
    });
    // What the registry holds under the repository: nothing until a push (NAME_UNKNOWN).
    const registryTags = async (): Promise<string[]> => {
      const listed = await exec('curl', ['-sS', `http://${REGISTRY}/v2/${repository}/tags/list`]);
      const answer = JSON.parse(listed.stdout) as { tags?: string[] | null; errors?: { code: string }[] };
      if (answer.errors) expect(answer.errors.map((error) => error.code)).toEqual(['NAME_UNKNOWN']);
      return answer.tags ?? [];
    };

    // A change that fails the verdict (root again) pushes nothing; nor does a fork's pull request.
    writeFileSync(dockerfile, `${written}USER 0\n`);
    const failing = await runAction(
      { ...inputs, context: 'services/api', 'report-file': 'failing.json' },
      { env: { GITHUB_WORKSPACE: workspace } },
    );
    expect(failing.code).toBe(1);
    expect(failing.outputs).toMatchObject({ digest: '', metadata: '{}', passed: 'false' });
    const failed = JSON.parse(readFileSync(join(workspace, 'failing.json'), 'utf8')) as Report;
    expect(failed.push).toEqual({
      outcome: 'withheld',
      tags: [image],
      imageId: failing.outputs['image-id'],
      digest: null,
      pushed: [],
      reason: 'the verdict did not pass fail-on: error',
    });
    expect(schemaErrors(reportSchema, failed)).toEqual([]);
    // Its verdict is written as a predicate, but no statement: nothing in a registry to name.
    expect(failing.outputs['attestation-statement']).toBe('');
    expect(failing.outputs['attestation-predicate-type']).toBe(HARDENING_PREDICATE_TYPE);
    const failedPredicate = JSON.parse(readFileSync(failing.outputs['attestation-predicate'], 'utf8')) as {
      verdict: string;
    };
    expect(failedPredicate.verdict).toBe('failed');
    expect(failing.stdout).toMatch(/^Attestation: predicate .+ only; the image has no registry digest/m);
    // In the job summary (escaped as Markdown) and the log.
    expect(failing.summary).toMatch(/^Not pushed &#40;.+&#41;&#58; the verdict did not pass fail&#45;on&#58; error$/m);
    expect(failing.stdout).toContain(`Not pushed (${image}): the verdict did not pass fail-on: error`);
    writeFileSync(dockerfile, written);
    const fork = await runAction(
      { ...inputs, context: 'services/api' },
      {
        env: { GITHUB_WORKSPACE: workspace },
        event: {
          name: 'pull_request',
          payload: { pull_request: { head: { repo: { fork: true, full_name: 'someone/service' } } } },
        },
      },
    );
    expect({ code: fork.code, digest: fork.outputs.digest }).toEqual({ code: 0, digest: '' });
    expect(fork.stdout).toContain(`Not pushed (${image}): a pull request from a fork (someone/service) never pushes`);
    expect(await registryTags()).toEqual([]);
    expect((await exec('docker', ['image', 'inspect', image])).code).not.toBe(0);
    await docker(['image', 'rm', '-f', failing.outputs['image-id']]);

    // Passing: pushed, and the digest output is the registry's.
    const proven = await runAction(
      { ...inputs, context: 'services/api', 'report-file': 'proven.json' },
      { env: { GITHUB_WORKSPACE: workspace } },
    );
    expect({ code: proven.code, stdout: proven.code === 0 ? '' : proven.stdout }).toEqual({ code: 0, stdout: '' });
    const imageId = proven.outputs['image-id'];
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const digest = proven.outputs.digest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.parse(proven.outputs.metadata)).toEqual({
      'containerimage.digest': digest,
      'image.name': image,
      'image.id': imageId,
    });
    const pushedReport = JSON.parse(readFileSync(join(workspace, 'proven.json'), 'utf8')) as Report;
    expect(pushedReport.push).toEqual({
      outcome: 'pushed',
      tags: [image],
      imageId,
      digest,
      pushed: [{ tag: image, digest }],
      reason: null,
    });
    expect(schemaErrors(reportSchema, pushedReport)).toEqual([]);
    expect(await registryTags()).toEqual(['v1.0.0']);
    // The build's provenance (mode=max) went with it where the store holds it (containerd's); the
    // classic store cannot, and the log says so.
    const containerd = (await docker(['info', '--format', '{{json .DriverStatus}}'])).includes(
      'io.containerd.snapshotter',
    );
    const pushedIndex = JSON.parse(await docker(['buildx', 'imagetools', 'inspect', '--raw', image])) as {
      manifests?: { annotations?: Record<string, string> }[];
    };
    const attested = (pushedIndex.manifests ?? []).some(
      (entry) => entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest',
    );
    expect(attested).toBe(containerd);
    if (!containerd)
      expect(proven.stdout).toContain('provenance and sbom: the classic image store cannot hold attestations');

    // The statement names the pushed digest; the README's attest step signs the predicate onto it
    // (cosign with a key made here for the workflow's identity, no transparency log) and
    // verify-attestation gives back the same verdict for the same digest.
    const statement = JSON.parse(readFileSync(proven.outputs['attestation-statement'], 'utf8')) as {
      subject: unknown;
      predicate: { verdict: string; image: { id: string } };
    };
    expect(statement.subject).toEqual([{ name: `${REGISTRY}/${repository}`, digest: { sha256: digest.slice(7) } }]);
    expect(statement.predicate).toMatchObject({ verdict: 'passed', image: { id: imageId } });
    const predicateFile = proven.outputs['attestation-predicate'];
    expect(JSON.parse(readFileSync(predicateFile, 'utf8'))).toEqual(statement.predicate);
    const verified = await attestAsTheReadmeDoes(workspace, proven.outputs, repository);
    expect(verified).toEqual({
      subject: [{ name: `${REGISTRY}/${repository}`, digest: { sha256: digest.slice(7) } }],
      predicateType: HARDENING_PREDICATE_TYPE,
      predicate: statement.predicate,
    });

    // Gone from the engine, then pulled back from the registry.
    await docker(['image', 'rm', '-f', imageId]);
    expect((await exec('docker', ['image', 'inspect', imageId])).code).not.toBe(0);
    await docker(['pull', '-q', image]);
    const repoDigests = JSON.parse(
      await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', image]),
    ) as string[];
    expect(repoDigests).toContain(`${REGISTRY}/${repository}@${digest}`);
    expect(await docker(['image', 'inspect', '--format', '{{.Id}}', image])).toBe(imageId);

    // A released image checked by its registry reference: pulled when absent, then proven.
    await docker(['image', 'rm', '-f', imageId]);
    const released = await runAction(
      { image, 'report-file': 'released.json', 'attestation-file': 'released.intoto.json', ...quickRuntime },
      { env: { GITHUB_WORKSPACE: workspace } },
    );
    expect({ code: released.code, stderr: released.stderr }).toMatchObject({ code: 0 });
    expect(released.stdout).toContain(`${image} is not on the engine: pulling it`);
    expect(released.outputs['image-id']).toBe(imageId);
    // Its attestation's subject: the digest the engine pulled it by, under the name it was given.
    const releasedStatement = JSON.parse(readFileSync(released.outputs['attestation-statement'], 'utf8')) as {
      subject: unknown;
    };
    expect(releasedStatement.subject).toEqual([
      { name: `${REGISTRY}/${repository}`, digest: { sha256: digest.slice(7) } },
    ]);

    // …and as the Before of a change: the baseline pulled by reference too.
    await docker(['image', 'rm', '-f', imageId]);
    const compared = await runAction(
      { context: 'services/api', 'baseline-image': image, 'report-file': 'compared.json', ...quickRuntime },
      { env: { GITHUB_WORKSPACE: workspace } },
    );
    expect({ code: compared.code, stderr: compared.stderr }).toMatchObject({ code: 0 });
    const report = JSON.parse(readFileSync(join(workspace, 'compared.json'), 'utf8')) as Report;
    expect(report.baselineLabel).toBe(image);
    expect(report.baseline?.runUid).toBe(18080);
    await docker(['image', 'rm', '-f', imageId]);
    expect(await leftovers()).toEqual([]);
  });

  it('a pull that fails is one line and exit code 2', async () => {
    const workspace = checkout('release-missing');
    const cases: [Record<string, string>, RegExp][] = [
      [
        { image: `${REGISTRY}/never-pushed:1.0` },
        /^::error::image: cannot pull '127\.0\.0\.1:5000\/never-pushed:1\.0' \(.*\); check the name and tag, or log in to its registry \(docker login\)$/m,
      ],
      [
        { context: 'services/api', 'baseline-image': '127.0.0.1:5999/nobody-listens:1.0' },
        /^::error::baseline-image: cannot pull '127\.0\.0\.1:5999\/nobody-listens:1\.0' \(.*\); check the name and tag/m,
      ],
    ];
    for (const [inputs, expected] of cases) {
      const run = await runAction({ ...inputs, ...quickRuntime }, { env: { GITHUB_WORKSPACE: workspace } });
      expect({ code: run.code, stdout: run.stdout }).toMatchObject({ code: 2 });
      expect(run.stdout).toMatch(expected);
      expect(run.stdout.split('\n').filter((line) => line.startsWith('::error::'))).toHaveLength(1);
    }
    // From the CLI: one line on stderr, no stack.
    const cli = await exec(
      process.execPath,
      [join(REPO, 'dist/cli.js'), 'check', '--image', `${REGISTRY}/never-pushed:1.0`],
      {
        cwd: workspace,
      },
    );
    expect(cli.code).toBe(2);
    expect(
      cli.stderr
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('▸') && !line.startsWith(' ')),
    ).toEqual([
      expect.stringMatching(/^cs-docker-hardening: image: cannot pull '127\.0\.0\.1:5000\/never-pushed:1\.0'/),
    ]);
    expect(await leftovers()).toEqual([]);
  });
});

/**
 * The README release workflow's attest step, as written, run with a key made here for the
 * workflow's keyless identity (cosign 3: a signing config without a transparency log); then
 * `cosign verify-attestation` with that key, and the statement it verified.
 */
async function attestAsTheReadmeDoes(
  workspace: string,
  outputs: Record<string, string>,
  repository: string,
): Promise<{ subject: unknown; predicateType: string; predicate: unknown }> {
  const steps = Object.values(readmeWorkflow('push: true').jobs)[0].steps;
  const step = steps.find((candidate) => candidate.run?.includes('cosign attest'));
  if (!step?.run) throw new Error("the README's release workflow has no cosign attest step");
  const values: Record<string, string> = { 'github.repository': repository };
  for (const [name, value] of Object.entries(outputs)) values[`steps.proven.outputs.${name}`] = value;
  const command = step.run
    .replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => {
      if (!(name in values)) throw new Error(`the test does not know ${name}`);
      return values[name];
    })
    .replace('ghcr.io', REGISTRY);
  expect(command).toMatch(/^cosign attest --yes --type "[^"]+" --predicate "[^"]+" "[^"]+@sha256:[0-9a-f]{64}"$/);
  const env = { ...process.env, COSIGN_PASSWORD: '' };
  const cosign = async (args: string[]): Promise<string> => {
    const result = await exec('cosign', args, { cwd: workspace, env });
    if (result.code !== 0) throw new Error(`cosign ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  await cosign(['generate-key-pair']);
  await cosign(['signing-config', 'create', '--out', 'signing-config.json']);
  const signed = await exec(
    'bash',
    ['-c', command.replace(/^cosign attest /, 'cosign attest --key cosign.key --signing-config signing-config.json ')],
    { cwd: workspace, env },
  );
  if (signed.code !== 0) throw new Error(`the README's attest step failed: ${signed.stderr}`);
  const reference = /"([^"]+@sha256:[0-9a-f]{64})"$/.exec(command)![1];
  const type = /--type "([^"]+)"/.exec(command)![1];
  const verified = await cosign([
    'verify-attestation',
    '--key',
    'cosign.pub',
    '--insecure-ignore-tlog=true',
    '--type',
    type,
    reference,
  ]);
  const envelope = JSON.parse(verified.trim().split('\n')[0]) as { payload: string };
  const { subject, predicateType, predicate } = JSON.parse(
    Buffer.from(envelope.payload, 'base64').toString('utf8'),
  ) as {
    subject: unknown;
    predicateType: string;
    predicate: unknown;
  };
  return { subject, predicateType, predicate };
}

const quickRuntime = { 'idle-seconds': '1', 'cache-probe': 'false', 'hardened-run': 'false' };
