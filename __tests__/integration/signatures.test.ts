import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Report } from '../../src/model.js';
import { getManifest } from '../helpers/registry.js';
import { exec, fixture, leftovers, REPO } from '../helpers/run.js';
import { reportSchema, schemaErrors } from '../helpers/schema.js';
import { scratchDir, scratchTree } from '../helpers/scratch.js';

// verify-signature against a registry on this machine, with Debian's cosign 3: base images and
// an image the test pushes itself, one signed by the key the run trusts, one unsigned, one signed
// by another key. Each fails the right check on its own line; the signed one passes a whole run.

const REGISTRY = '127.0.0.1:5000';
const unique = randomBytes(6).toString('hex');
const repository = (name: string): string => `${REGISTRY}/sig-${unique}/${name}:1`;
const SIGNED = repository('signed');
const UNSIGNED = repository('unsigned');
const OTHER = repository('other');

let keys: string;
const cosignEnv = { ...process.env, COSIGN_PASSWORD: '' };

async function must(command: string, args: string[], cwd = REPO): Promise<string> {
  const result = await exec(command, args, { cwd, env: cosignEnv });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** The CLI in a workspace of its own, its JSON report read back. */
async function cli(
  workspace: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string; report: Report | null }> {
  const run = await exec(process.execPath, [join(REPO, 'dist/cli.js'), 'check', ...args, '--json', 'report.json'], {
    cwd: workspace,
    env,
  });
  // A run stopped by a usage error writes no report.
  const path = join(workspace, 'report.json');
  const report = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Report) : null;
  return { ...run, report };
}

const supply = (report: Report | null): [string, string, number | null, string][] =>
  (report?.checks ?? [])
    .filter((check) => check.id === 'HARD-SUPPLY-001' || check.id === 'HARD-SUPPLY-002')
    .map((check) => [check.id, check.status, check.location?.line ?? null, check.message]);

const TRUST = ['--signature-key', 'cosign.pub', '--signature-tlog', 'false'];

beforeAll(async () => {
  const cosign = await exec('cosign', ['version']);
  if (cosign.code !== 0)
    throw new Error(`cosign is not on the PATH: scripts/setup-engine.sh installs it (${cosign.stderr})`);
  const registry = await exec('curl', ['-fsS', `http://${REGISTRY}/v2/`]);
  if (registry.code !== 0) throw new Error(`no registry answers at ${REGISTRY}: scripts/setup-engine.sh starts one`);
  // Two key pairs: the one the runs trust, and another; a signing config with no transparency log.
  keys = scratchDir('signing-keys');
  await must('cosign', ['generate-key-pair'], keys);
  await must('cosign', ['generate-key-pair', '--output-key-prefix', 'other'], keys);
  await must('cosign', ['signing-config', 'create', '--out', 'signing-config.json'], keys);
  // Three images of the local base, each its own digest, pushed; two of them signed.
  const context = scratchTree('signed-images', {});
  for (const [name, reference] of [
    ['signed', SIGNED],
    ['unsigned', UNSIGNED],
    ['other', OTHER],
  ] as const) {
    writeFileSync(
      join(context, 'Dockerfile'),
      `FROM cs-hardening/busybox-tini:local\nLABEL org.test.signatures="${unique}-${name}"\n`,
    );
    await must('docker', ['build', '-q', '-t', reference, context]);
    await must('docker', ['push', '-q', reference]);
  }
  const sign = (key: string, reference: string): Promise<string> =>
    must('cosign', ['sign', '--yes', '--key', key, '--signing-config', 'signing-config.json', reference], keys);
  await sign('cosign.key', SIGNED);
  await sign('other.key', OTHER);
  // The runs pull what they build from: nothing of these is left on the engine.
  await must('docker', ['image', 'rm', SIGNED, UNSIGNED, OTHER]);
}, 120_000);

function workspaceWith(fixtureName: string): string {
  const workspace = scratchDir(`signatures-${fixtureName}`);
  cpSync(join(REPO, fixture(fixtureName)), workspace, { recursive: true });
  cpSync(join(keys, 'cosign.pub'), join(workspace, 'cosign.pub'));
  return workspace;
}

describe('verify-signature base (HARD-SUPPLY-001)', () => {
  it('fails the unsigned base and the one signed by another key, each on its line; passes the signed one', async () => {
    const workspace = workspaceWith('signed-bases');
    const run = await cli(workspace, [
      '--mode',
      'static',
      '--verify-signature',
      'base',
      ...TRUST,
      ...['--build-args', `SIGNED=${SIGNED}`, '--build-args', `UNSIGNED=${UNSIGNED}`, '--build-args', `OTHER=${OTHER}`],
    ]);
    expect({ code: run.code, stderr: run.code === 1 ? '' : run.stderr }).toEqual({ code: 1, stderr: '' });
    const signer = 'the key cosign.pub (without a transparency log)';
    expect(supply(run.report)).toEqual([
      ['HARD-SUPPLY-001', 'fail', 8, `${UNSIGNED} has no signature (cosign: no signatures found)`],
      [
        'HARD-SUPPLY-001',
        'fail',
        9,
        expect.stringMatching(
          new RegExp(`^${escape(OTHER)} is not signed by ${escape(signer)} \\(cosign: .*failed to verify signature`),
        ),
      ],
      [
        'HARD-SUPPLY-001',
        'pass',
        11,
        expect.stringMatching(
          new RegExp(`^${escape(SIGNED)} \\(sha256:[0-9a-f]{64}\\) is signed by ${escape(signer)}$`),
        ),
      ],
      ['HARD-SUPPLY-001', 'pass', 15, expect.stringMatching(new RegExp(`^${escape(SIGNED)} \\(sha256:`))],
      ['HARD-SUPPLY-002', 'skip', null, 'verify-signature does not ask for image (it asks for base)'],
    ]);
    expect(schemaErrors(reportSchema, run.report)).toEqual([]);
    // The digest verified is the registry's for that tag.
    const registryDigest = (await getManifest(`sig-${unique}/signed`, '1')).digest;
    expect(
      run.report!.checks.find((check) => check.status === 'pass' && check.id === 'HARD-SUPPLY-001')?.message,
    ).toContain(registryDigest);
    // No key material in any output.
    const privateKey = readFileSync(join(keys, 'cosign.key'), 'utf8').split('\n')[1];
    for (const text of [run.stdout, run.stderr, readFileSync(join(workspace, 'report.json'), 'utf8')])
      expect(text).not.toContain(privateKey);
  });

  it('passes a whole run of a service built from the signed base', async () => {
    const workspace = workspaceWith('service-good');
    const run = await cli(workspace, [
      '--verify-signature',
      'base,image',
      ...TRUST,
      '--build-args',
      `BASE_IMAGE=${SIGNED}`,
      ...['--idle-seconds', '1', '--cache-probe', 'false', '--hardened-run', 'false'],
    ]);
    expect({ code: run.code, stdout: run.code === 0 ? '' : run.stdout }).toEqual({ code: 0, stdout: '' });
    // Built from the registry's signed image and run: the health probe passed in the running service.
    expect(run.report!.targets[0].metrics.startupSeconds).toEqual(expect.any(Number));
    expect(run.report!.checks.find((check) => check.id === 'HARD-HEALTH-003')?.status).toBe('pass');
    expect(supply(run.report).map(([id, status, line]) => [id, status, line])).toEqual([
      ['HARD-SUPPLY-001', 'pass', 4],
      ['HARD-SUPPLY-002', 'skip', null],
    ]);
    await exec('docker', ['image', 'rm', '-f', run.report!.targets[0].target.imageId!]);
    await exec('docker', ['image', 'rm', '-f', SIGNED]);
    expect(await leftovers()).toEqual([]);
  });

  it('says which base it could not name, and passes a build from scratch with nothing to verify', async () => {
    const workspace = scratchTree('signatures-unnamed', {
      Dockerfile: 'ARG BASE\nFROM ${BASE}\nCMD ["sleep", "1"]\n',
      'scratch/Dockerfile': 'FROM scratch\nCOPY app /app\nCMD ["/app"]\n',
      'scratch/app': '',
    });
    cpSync(join(keys, 'cosign.pub'), join(workspace, 'cosign.pub'));
    const unnamed = await cli(workspace, ['--mode', 'static', '--verify-signature', 'base', ...TRUST]);
    expect(supply(unnamed.report)[0]).toEqual([
      'HARD-SUPPLY-001',
      'skip',
      2,
      '${BASE}: not verified, the image is set by a build argument without a value (BASE)',
    ]);
    const scratch = await cli(workspace, [
      '--mode',
      'static',
      '--context',
      'scratch',
      '--verify-signature',
      'base',
      ...TRUST,
    ]);
    expect(supply(scratch.report)[0]).toEqual([
      'HARD-SUPPLY-001',
      'pass',
      null,
      'the stages built use no external image (FROM scratch, or their own stages): nothing to verify',
    ]);
  });
});

describe('verify-signature image (HARD-SUPPLY-002)', () => {
  it.each([
    ['signed', SIGNED, 'pass', /is signed by the key cosign\.pub/],
    ['unsigned', UNSIGNED, 'fail', /has no signature \(cosign: no signatures found\)$/],
    ['signed by another key', OTHER, 'fail', /is not signed by the key cosign\.pub/],
    [
      'not in the registry',
      `${REGISTRY}/sig-${unique}/never-pushed:1`,
      'error',
      /^could not verify .*MANIFEST_UNKNOWN/,
    ],
  ])('%s', async (_, image, status, message) => {
    const workspace = scratchTree('signatures-image', {});
    cpSync(join(keys, 'cosign.pub'), join(workspace, 'cosign.pub'));
    const run = await cli(workspace, ['--mode', 'static', '--image', image, '--verify-signature', 'image', ...TRUST]);
    const [check] = supply(run.report).filter(([id]) => id === 'HARD-SUPPLY-002');
    expect(check.slice(0, 2)).toEqual(['HARD-SUPPLY-002', status]);
    expect(check[3]).toMatch(message);
    expect(run.code).toBe(status === 'pass' ? 0 : status === 'fail' ? 1 : 2);
  });
});

describe('what the user is told', () => {
  it('without cosign: the checks could not run, exit 2, and how to get cosign', async () => {
    const workspace = workspaceWith('signed-bases');
    const run = await cli(workspace, ['--mode', 'static', '--verify-signature', 'base', ...TRUST], {
      ...process.env,
      PATH: '/usr/bin:/bin',
    });
    expect(run.code).toBe(2);
    expect(supply(run.report).map(([id, status, , text]) => [id, status, text])).toEqual([
      [
        'HARD-SUPPLY-001',
        'error',
        'cosign is not on the PATH: add sigstore/cosign-installer@v3 before this step (or install cosign) to verify signatures',
      ],
      ['HARD-SUPPLY-002', 'skip', 'verify-signature does not ask for image (it asks for base)'],
    ]);
  });

  it("a target's own signature inputs are checked as the run's are", async () => {
    const workspace = workspaceWith('signed-bases');
    writeFileSync(
      join(workspace, '.container-hardening.yml'),
      'targets:\n  - name: app\n    context: .\n    verify-signature: bases\n    signature-key: cosign.pub\n',
    );
    const run = await cli(workspace, ['--mode', 'static']);
    expect(run.code).toBe(2);
    expect(lastLine(run.stderr)).toBe(
      "cs-docker-hardening: target app: --verify-signature: 'bases' is not base or image; give base, image or both",
    );
  });

  it('a key that is not there, or nobody to trust: one line, exit 2, before anything runs', async () => {
    const workspace = workspaceWith('signed-bases');
    const missing = await cli(workspace, [
      '--mode',
      'static',
      '--verify-signature',
      'base',
      '--signature-key',
      'nope.pub',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      "cs-docker-hardening: --signature-key nope.pub does not exist in the workspace; give the public key's path (or a KMS URI)",
    );
    const nobody = await cli(workspace, ['--mode', 'static', '--verify-signature', 'base']);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr.trim()).toMatch(
      /^cs-docker-hardening: --verify-signature needs whom to trust: --signature-key/,
    );
  });
});

/** What the CLI said last on stderr (progress lines come before it). */
function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
