import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/model.js';
import { exec, REPO } from '../helpers/run.js';
import { imageManifest, putAttestedIndex, REGISTRY, type Descriptor } from '../helpers/registry.js';
import { reportSchema, schemaErrors } from '../helpers/schema.js';
import { scratchTree } from '../helpers/scratch.js';

// check-attestations against a registry on this machine. BuildKit's SBOM generator is an image
// these machines cannot pull, so the tests write the attestations themselves, as BuildKit lays
// them out (an index whose attestation manifest holds in-toto statements), onto an image they
// push: one with provenance and SBOM from this repository, one whose provenance names another,
// and the image manifest alone, as the classic image store pushes it.

const unique = randomBytes(6).toString('hex');
const repository = `att-${unique}/app`;
const reference = (tag: string): string => `${REGISTRY}/${repository}:${tag}`;
const SOURCE = 'https://github.com/org/app';
let image: Descriptor & { platform: { os: string; architecture: string } };

/** BuildKit's provenance (SLSA v0.2, mode max) of a build from `base` at `source`. */
function provenance(source: string, base: { name: string; digest: string }): object {
  return {
    builder: { id: `${source}/actions/runs/42` },
    buildType: 'https://mobyproject.org/buildkit@v1',
    materials: [
      {
        uri: `pkg:docker/${base.name.replace(':', '%3A')}@1?platform=linux%2Famd64`,
        digest: { sha256: base.digest.slice(7) },
      },
    ],
    invocation: {
      configSource: { entryPoint: 'Dockerfile' },
      parameters: { frontend: 'dockerfile.v0', args: {} },
      environment: { platform: 'linux/amd64' },
    },
    buildConfig: { llbDefinition: [] },
    metadata: {
      buildInvocationID: unique,
      completeness: { parameters: true, environment: true, materials: false },
      reproducible: false,
      'https://mobyproject.org/buildkit@v1#metadata': { vcs: { source: `${source}.git`, revision: 'f'.repeat(40) } },
    },
  };
}

const SBOM = {
  spdxVersion: 'SPDX-2.3',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'sbom',
  packages: [
    { name: 'busybox', SPDXID: 'SPDXRef-Package-busybox' },
    { name: 'tini', SPDXID: 'SPDXRef-Package-tini' },
  ],
};

async function must(command: string, args: string[]): Promise<string> {
  const result = await exec(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  const registry = await exec('curl', ['-fsS', `http://${REGISTRY}/v2/`]);
  if (registry.code !== 0) throw new Error(`no registry answers at ${REGISTRY}: scripts/setup-engine.sh starts one`);
  const context = scratchTree('attested-image', {
    Dockerfile: `FROM cs-hardening/busybox-tini:local\nLABEL org.test.attestations="${unique}"\n`,
  });
  await must('docker', ['build', '-q', '-t', reference('pushed'), context]);
  await must('docker', ['push', '-q', reference('pushed')]);
  await must('docker', ['image', 'rm', reference('pushed')]);
  // The image manifest alone (what the classic store pushes), and two indexes with attestations.
  image = await imageManifest(repository, 'pushed', { os: 'linux', architecture: 'amd64' }, 'plain');
  const base = { name: `${REGISTRY}/${repository}`, digest: image.digest };
  await putAttestedIndex(repository, 'complete', image, [
    { predicateType: 'https://slsa.dev/provenance/v0.2', predicate: provenance(SOURCE, base) },
    { predicateType: 'https://spdx.dev/Document', predicate: SBOM },
  ]);
  // Two platforms, the attestations on arm64's image only: amd64 has none of its own.
  await must('docker', ['build', '-q', '-t', reference('other'), '--label', `org.test.platform=${unique}`, context]);
  await must('docker', ['push', '-q', reference('other')]);
  await must('docker', ['image', 'rm', reference('other')]);
  const other = await imageManifest(repository, 'other', { os: 'linux', architecture: 'amd64' });
  const arm64 = { ...other, platform: { os: 'linux', architecture: 'arm64' } };
  await putAttestedIndex(
    repository,
    'multi',
    arm64,
    [{ predicateType: 'https://slsa.dev/provenance/v0.2', predicate: provenance(SOURCE, base) }],
    [image],
  );
  await putAttestedIndex(repository, 'arm64-only', arm64, []);
  await putAttestedIndex(repository, 'elsewhere', image, [
    {
      predicateType: 'https://slsa.dev/provenance/v0.2',
      predicate: provenance('https://github.com/someone/else', base),
    },
  ]);
}, 120_000);

/** The CLI on `image` (static mode: the registry is read, nothing run), its supply checks. */
async function supplyChecks(
  tag: string,
  dockerfile: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stderr: string; checks: [string, string, number | null, string][]; report: Report }> {
  const workspace = scratchTree('attestations', { Dockerfile: dockerfile });
  const run = await exec(
    process.execPath,
    [
      join(REPO, 'dist/cli.js'),
      'check',
      '--mode',
      'static',
      '--image',
      reference(tag),
      '--check-attestations',
      '--json',
      'report.json',
    ],
    { cwd: workspace, env: { ...process.env, GITHUB_REPOSITORY: '', GITHUB_SHA: '', ...env } },
  );
  const path = join(workspace, 'report.json');
  if (!existsSync(path)) throw new Error(`no report (exit ${run.code}): ${run.stderr}`);
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
  const checks = report.checks
    .filter((check) => /^HARD-SUPPLY-00[3-6]$/.test(check.id))
    .map((check): [string, string, number | null, string] => [
      check.id,
      check.status,
      check.location?.line ?? null,
      check.message,
    ]);
  return { code: run.code, stderr: run.stderr, checks, report };
}

const pinned = (): string => `FROM ${REGISTRY}/${repository}@${image.digest}\nUSER 10001\n`;
// A run of the commit the images were built from (the provenance's revision).
const GITHUB = { GITHUB_REPOSITORY: 'org/app', GITHUB_SERVER_URL: 'https://github.com', GITHUB_SHA: 'f'.repeat(40) };

describe('check-attestations, read from the registry', () => {
  it('passes an image with provenance and an SBOM from this repository, built from the digest its Dockerfile pins', async () => {
    const { checks, report } = await supplyChecks('complete', pinned(), GITHUB);
    expect(checks).toEqual([
      [
        'HARD-SUPPLY-003',
        'pass',
        null,
        `https://slsa.dev/provenance/v0.2 (mode max), builder ${SOURCE}/actions/runs/42, source ${SOURCE}.git@${'f'.repeat(40)}`,
      ],
      ['HARD-SUPPLY-004', 'pass', null, 'SPDX-2.3, 2 packages'],
      [
        'HARD-SUPPLY-005',
        'pass',
        null,
        `built from ${SOURCE}.git at ${'f'.repeat(40)} (the builder client says so; BuildKit does not check it)`,
      ],
      ['HARD-SUPPLY-006', 'pass', 1, `${REGISTRY}/${repository}@${image.digest}: the provenance records this digest`],
    ]);
    expect(schemaErrors(reportSchema, report)).toEqual([]);
  });

  it('fails provenance that names another repository', async () => {
    const { checks } = await supplyChecks('elsewhere', pinned(), GITHUB);
    expect(checks.find(([id]) => id === 'HARD-SUPPLY-005')).toEqual([
      'HARD-SUPPLY-005',
      'fail',
      null,
      `built from https://github.com/someone/else.git at ${'f'.repeat(40)} (the builder client says so; BuildKit does not check it), not from ${SOURCE}`,
    ]);
    // It has no SBOM either.
    expect(checks.find(([id]) => id === 'HARD-SUPPLY-004')?.[1]).toBe('fail');
  });

  it('fails an image pushed without attestations, and says where they went', async () => {
    const { checks } = await supplyChecks('plain', pinned(), GITHUB);
    expect(checks.slice(0, 2).map(([id, status, , message]) => [id, status, message])).toEqual([
      [
        'HARD-SUPPLY-003',
        'fail',
        expect.stringMatching(
          new RegExp(
            `^${reference('plain').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has no provenance attestation: the reference names an image manifest alone`,
          ),
        ),
      ],
      ['HARD-SUPPLY-004', 'fail', expect.stringMatching(/has no SBOM attestation/)],
    ]);
  });

  it("judges the run's platform only: another platform's attestations are not this one's", async () => {
    const { checks } = await supplyChecks('multi', pinned(), GITHUB);
    expect(checks[0]).toEqual([
      'HARD-SUPPLY-003',
      'fail',
      null,
      expect.stringMatching(
        / has no provenance attestation: BuildKit's attestation manifests in the image's index are read/,
      ),
    ]);
    const absent = await supplyChecks('arm64-only', pinned(), GITHUB);
    expect(absent.code).toBe(2);
    expect(absent.checks[0][3]).toMatch(/holds no image for linux\/amd64 \(it holds linux\/arm64\)/);
  });

  it('fails a base pinned by tag only, on its line', async () => {
    const { checks } = await supplyChecks('complete', `# the base\nFROM ${REGISTRY}/${repository}:pushed\n`, GITHUB);
    expect(checks.find(([id]) => id === 'HARD-SUPPLY-006')).toEqual([
      'HARD-SUPPLY-006',
      'fail',
      2,
      `${REGISTRY}/${repository}:pushed is pinned by tag only, not by digest`,
    ]);
  });

  it('an image no registry holds: the checks could not run (exit 2), never a pass', async () => {
    const { code, checks } = await supplyChecks('never-pushed', pinned());
    expect(code).toBe(2);
    expect(checks.map(([id, status]) => [id, status])).toEqual([
      ['HARD-SUPPLY-003', 'error'],
      ['HARD-SUPPLY-004', 'error'],
      ['HARD-SUPPLY-005', 'error'],
      ['HARD-SUPPLY-006', 'error'],
    ]);
    expect(checks[0][3]).toMatch(/^could not collect attestations evidence: /);
  });
});
