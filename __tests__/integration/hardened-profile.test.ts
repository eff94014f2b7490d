import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/model.js';
import { getManifest, imageManifest, putAttestedIndex, REGISTRY } from '../helpers/registry.js';
import { exec, fixture, leftovers, REPO } from '../helpers/run.js';
import { reportSchema, schemaErrors } from '../helpers/schema.js';
import { scratchDir, scratchTree } from '../helpers/scratch.js';

// `profile: hardened-image` on an image that keeps every promise of it, proven in a full run: a
// static service (no shell, no package manager, numeric non-root user, its own health probe) on a
// base pinned by digest and signed by a key the test makes, pushed with provenance from this
// repository and an SPDX SBOM (written into the registry by the test: BuildKit's SBOM generator is
// an image these machines cannot pull). The same image without its SBOM fails the profile.
// Then the same service built by the run itself with `provenance` and `sbom` (the SBOM from a
// stand-in generator the test pushes to the local registry): on the containerd image store its
// attestations are read from the build before the push and pushed with it; on the classic store
// the run says it cannot hold them, fails the checks with that reason, and pushes nothing.

const unique = randomBytes(6).toString('hex');
const repository = `hard-${unique}`;
const SOURCE = 'https://github.com/org/app';
const REVISION = 'f'.repeat(40);
const env = { COSIGN_PASSWORD: '' };
let workspace: string;
let base: string;

async function must(command: string, args: string[], cwd = REPO): Promise<string> {
  const result = await exec(command, args, { cwd, env: { ...process.env, ...env } });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  for (const [command, args, why] of [
    ['cosign', ['version'], 'scripts/setup-engine.sh installs it'],
    ['gcc', ['--version'], 'the fixture compiles its service with the machine’s gcc'],
    ['curl', ['-fsS', `http://${REGISTRY}/v2/`], 'scripts/setup-engine.sh starts the registry'],
  ] as const) {
    const found = await exec(command, [...args]);
    if (found.code !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${why} (${found.stderr})`);
  }
  workspace = scratchDir('hardened-profile');
  cpSync(join(REPO, fixture('hardened-static')), workspace, { recursive: true });
  await must('gcc', ['-static', '-Os', '-o', 'server', 'server.c'], workspace);
  await must('cosign', ['generate-key-pair'], workspace);
  await must('cosign', ['signing-config', 'create', '--out', 'signing-config.json'], workspace);

  // The base: /etc/passwd and /etc/group only, pushed and signed; pinned by its digest.
  const baseContext = scratchTree('static-base', {
    Dockerfile: `FROM scratch\nCOPY passwd /etc/passwd\nCOPY group /etc/group\nLABEL org.test.base="${unique}"\n`,
    passwd: 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n',
    group: 'root:x:0:\nnonroot:x:65532:\n',
  });
  await must('docker', ['build', '-q', '-t', `${REGISTRY}/${repository}/static-base:1`, baseContext]);
  await must('docker', ['push', '-q', `${REGISTRY}/${repository}/static-base:1`]);
  await must('docker', ['image', 'rm', `${REGISTRY}/${repository}/static-base:1`]);
  const baseDigest = (await getManifest(`${repository}/static-base`, '1')).digest;
  base = `${REGISTRY}/${repository}/static-base@${baseDigest}`;
  await must(
    'cosign',
    ['sign', '--yes', '--key', 'cosign.key', '--signing-config', 'signing-config.json', base],
    workspace,
  );

  // The service, built from that base and pushed; then its index with provenance and an SBOM.
  const app = `${REGISTRY}/${repository}/app`;
  await must('docker', ['build', '-q', '-t', `${app}:built`, '--build-arg', `BASE_IMAGE=${base}`, workspace]);
  await must('docker', ['push', '-q', `${app}:built`]);
  await must('docker', ['image', 'rm', `${app}:built`]);
  const image = await imageManifest(`${repository}/app`, 'built', { os: 'linux', architecture: 'amd64' }, 'bare');
  const provenance = {
    builder: { id: `${SOURCE}/actions/runs/42` },
    buildType: 'https://mobyproject.org/buildkit@v1',
    materials: [
      {
        uri: `pkg:docker/${REGISTRY}/${repository}/static-base?digest=${baseDigest}&platform=linux%2Famd64`,
        digest: { sha256: baseDigest.slice(7) },
      },
    ],
    invocation: { configSource: { entryPoint: 'Dockerfile' }, parameters: { frontend: 'dockerfile.v0' } },
    metadata: { 'https://mobyproject.org/buildkit@v1#metadata': { vcs: { source: SOURCE, revision: REVISION } } },
  };
  const sbom = { spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'app', packages: [{ name: 'server' }] };
  await putAttestedIndex(`${repository}/app`, '1.0.0', image, [
    { predicateType: 'https://slsa.dev/provenance/v0.2', predicate: provenance },
    { predicateType: 'https://spdx.dev/Document', predicate: sbom },
  ]);
  await putAttestedIndex(`${repository}/app`, 'no-sbom', image, [
    { predicateType: 'https://slsa.dev/provenance/v0.2', predicate: provenance },
  ]);
}, 180_000);

/**
 * A full run under the profile in the fixture's workspace (its Dockerfile read, the base as its
 * build argument, the test key trusted), as a GitHub run of SOURCE at `revision`.
 */
async function proveUnderProfile(
  name: string,
  target: string[],
  revision: string,
): Promise<{ code: number; stdout: string; stderr: string; report: Report }> {
  const run = await exec(
    process.execPath,
    [
      join(REPO, 'dist/cli.js'),
      'check',
      ...target,
      '--profile',
      'hardened-image',
      '--signature-key',
      'cosign.pub',
      '--signature-tlog',
      'false',
      '--build-args',
      `BASE_IMAGE=${base}`,
      '--idle-seconds',
      '1',
      '--json',
      `report-${name}.json`,
    ],
    {
      cwd: workspace,
      env: {
        ...process.env,
        GITHUB_REPOSITORY: 'org/app',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_SHA: revision,
      },
    },
  );
  const path = join(workspace, `report-${name}.json`);
  if (!existsSync(path)) throw new Error(`no report (exit ${run.code}): ${run.stderr}`);
  return { ...run, report: JSON.parse(readFileSync(path, 'utf8')) as Report };
}

/** The released image, checked by reference from the registry. */
function proveRelease(tag: string, image = 'app', revision = REVISION): ReturnType<typeof proveUnderProfile> {
  return proveUnderProfile(`${image}-${tag}`, ['--image', `${REGISTRY}/${repository}/${image}:${tag}`], revision);
}

const gating = (report: Report): string[] =>
  report.checks
    .filter((check) => check.severity === 'error' && check.status !== 'pass' && check.status !== 'skip')
    .map((check) => `${check.id} ${check.status}: ${check.message}`);

describe('profile: hardened-image', () => {
  it('passes an image that keeps every promise of it, each judged', async () => {
    const { code, report } = await proveRelease('1.0.0');
    expect({ code, gating: gating(report) }).toEqual({ code: 0, gating: [] });
    const status = (id: string): string[] =>
      report.checks.filter((check) => check.id === id).map((check) => `${check.status} ${check.severity}`);
    expect({
      shellAndPackageManager: status('HARD-TOOLS-005'),
      numericUser: status('HARD-USER-005'),
      baseSigned: status('HARD-SUPPLY-001'),
      provenance: status('HARD-SUPPLY-003'),
      sbom: status('HARD-SUPPLY-004'),
      source: status('HARD-SUPPLY-005'),
      pinnedAndRecorded: status('HARD-SUPPLY-006'),
      healthProbePasses: status('HARD-HEALTH-003'),
      healthProbeFailsWhenDown: status('HARD-HEALTH-004'),
      runsAsNonRoot: status('HARD-USER-003'),
    }).toEqual({
      shellAndPackageManager: ['pass error'],
      numericUser: ['pass notice'],
      baseSigned: ['pass error'],
      provenance: ['pass warning'],
      sbom: ['pass warning'],
      source: ['pass error'],
      pinnedAndRecorded: ['pass error'],
      healthProbePasses: ['pass error'],
      healthProbeFailsWhenDown: ['pass error'],
      runsAsNonRoot: ['pass error'],
    });
    expect(schemaErrors(reportSchema, report)).toEqual([]);
  });

  it('fails the same image without its SBOM: an error under the profile', async () => {
    const { code, report } = await proveRelease('no-sbom');
    expect(code).toBe(1);
    expect(gating(report)).toEqual([
      expect.stringMatching(/^HARD-SUPPLY-004 fail: .* has no SBOM attestation: BuildKit's attestation manifests/),
    ]);
    await exec('docker', [
      'image',
      'rm',
      '-f',
      `${REGISTRY}/${repository}/app:1.0.0`,
      `${REGISTRY}/${repository}/app:no-sbom`,
    ]);
    expect(await leftovers()).toEqual([]);
  });
});

/** Whether the engine keeps images in containerd's store (which holds attestations). */
async function containerdStore(): Promise<boolean> {
  const info = await exec('docker', ['info', '--format', '{{json .DriverStatus}}']);
  return info.stdout.includes('io.containerd.snapshotter');
}

/** The service built by the run itself, as a git checkout of SOURCE at `commit`. */
function proveBuild(name: string, extra: string[]): ReturnType<typeof proveUnderProfile> {
  return proveUnderProfile(name, ['--context', '.', ...extra], commit);
}

let commit = '';
const DESCRIPTION = 'A static service, proven before it was pushed';
let generator = '';

describe('provenance and sbom on a build: read before the push, pushed with the image', () => {
  beforeAll(async () => {
    generator = `${REGISTRY}/${repository}/sbom-generator:1`;
    await must('docker', ['build', '-q', '-t', generator, join(REPO, fixture('sbom-generator'))]);
    await must('docker', ['push', '-q', generator]);
    await must('docker', ['image', 'rm', generator]);
    // A checkout of SOURCE: buildx records the repository and commit of a git context (vcs:source).
    await must('git', ['init', '-q'], workspace);
    await must('git', ['remote', 'add', 'origin', `${SOURCE}.git`], workspace);
    await must('git', ['add', 'Dockerfile', 'server.c'], workspace);
    await must('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', 'commit', '-q', '-m', 'app'], workspace);
    commit = (await must('git', ['rev-parse', 'HEAD'], workspace)).trim();
  }, 120_000);

  const supply = (report: Report): string[] =>
    report.checks
      .filter((check) => /^HARD-SUPPLY-00[3-6]$/.test(check.id))
      .map((check) => `${check.id} ${check.status}: ${check.message}`);

  it('passes the profile with its own provenance (max) and SBOM, and pushes them with the proven image', async () => {
    const tag = `${REGISTRY}/${repository}/built:1`;
    const run = await proveBuild('built', [
      '--provenance',
      'mode=max',
      '--sbom',
      `generator=${generator}`,
      '--expected-revision',
      commit,
      '--image-annotation',
      `org.opencontainers.image.description=${DESCRIPTION}`,
      '--push',
      '--tags',
      tag,
    ]);
    if (!(await containerdStore())) {
      // The classic store cannot hold them: said in the log, the checks fail with the reason, and
      // nothing is pushed (the verdict did not pass).
      expect(run.stdout + run.stderr).toContain(
        'provenance and sbom: the classic image store cannot hold attestations',
      );
      expect(run.stdout + run.stderr).toContain('image-annotations: the classic image store keeps no manifest');
      expect(run.code).toBe(1);
      expect(supply(run.report).slice(0, 2)).toEqual([
        expect.stringMatching(
          /^HARD-SUPPLY-003 fail: the image built has no provenance attestation: not produced: the classic image store cannot hold attestations/,
        ),
        expect.stringMatching(
          /^HARD-SUPPLY-004 fail: the image built has no SBOM attestation: not produced: the classic image store/,
        ),
      ]);
      expect(run.report.push?.outcome).toBe('withheld');
      const tags = await exec('curl', ['-s', `http://${REGISTRY}/v2/${repository}/built/tags/list`]);
      expect(tags.stdout).not.toContain('"1"');
      return;
    }
    expect({ code: run.code, gating: gating(run.report) }).toEqual({ code: 0, gating: [] });
    const before = supply(run.report);
    expect(before).toEqual([
      `HARD-SUPPLY-003 pass: https://slsa.dev/provenance/v0.2 (mode max), source ${SOURCE}.git@${commit}`,
      'HARD-SUPPLY-004 pass: SPDX-2.3, 0 packages',
      `HARD-SUPPLY-005 pass: built from ${SOURCE}.git at ${commit} (the builder client says so; BuildKit does not check it)`,
      `HARD-SUPPLY-006 pass: ${base}: the provenance records this digest`,
    ]);
    // The proven image is what was pushed: the registry's index, with its attestation manifest.
    const pushed = run.report.push!;
    expect(pushed.outcome).toBe('pushed');
    expect(pushed.digest).toBe(run.report.targets[0].target.imageId);
    const index = JSON.parse(await must('docker', ['buildx', 'imagetools', 'inspect', '--raw', tag])) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    expect(index.manifests.map((entry) => entry.annotations?.['vnd.docker.reference.type'] ?? 'image')).toEqual([
      'image',
      'attestation-manifest',
    ]);
    // The user's annotation is on the pushed image's manifest.
    const manifest = JSON.parse(
      await must('docker', ['buildx', 'imagetools', 'inspect', '--raw', `${tag}@${index.manifests[0].digest}`]),
    ) as { annotations?: Record<string, string> };
    expect(manifest.annotations?.['org.opencontainers.image.description']).toBe(DESCRIPTION);
    // Checked again by reference, from the registry: the same attestations, the same verdicts.
    const again = await proveRelease('1', 'built', commit);
    expect(supply(again.report)).toEqual(before);
  });

  it('builds and proves the image when the SBOM generator cannot be pulled, and says why it has no SBOM', async () => {
    // A generator no registry answers for (port 1 refuses): the same on every machine.
    const unreachable = '127.0.0.1:1/cs-test/no-generator:1';
    const run = await proveBuild('no-generator', ['--sbom', `generator=${unreachable}`]);
    expect(run.report.targets[0].target.imageId).toMatch(/^sha256:/);
    const sbom = supply(run.report)[1];
    if (!(await containerdStore())) {
      expect(sbom).toMatch(
        /^HARD-SUPPLY-004 fail: the image built has no SBOM attestation: not produced: the classic image store/,
      );
      return;
    }
    expect(sbom).toMatch(
      /^HARD-SUPPLY-004 fail: the image built has no SBOM attestation: not produced: the SBOM generator image 127\.0\.0\.1:1\/cs-test\/no-generator:1 could not be pulled \(.+\), so the image was built without one/,
    );
    // Without check-attestations nothing would say the SBOM is missing: the run stops and says why.
    const stopped = await exec(
      process.execPath,
      [
        join(REPO, 'dist/cli.js'),
        'check',
        '--context',
        '.',
        '--build-args',
        `BASE_IMAGE=${base}`,
        '--sbom',
        `generator=${unreachable}`,
      ],
      { cwd: workspace },
    );
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toMatch(
      /sbom: the SBOM generator image 127\.0\.0\.1:1\/cs-test\/no-generator:1 could not be pulled \(.+\): let the builder reach it, name one it can with sbom: generator=IMAGE, or set check-attestations/,
    );
    // Everything else was proven: the build's own provenance, the health probe, the user.
    expect(run.report.checks.find((check) => check.id === 'HARD-SUPPLY-003')?.status).toBe('pass');
    expect(run.report.checks.find((check) => check.id === 'HARD-HEALTH-003')?.status).toBe('pass');
    await exec('docker', ['image', 'rm', '-f', `${REGISTRY}/${repository}/built:1`]);
    expect(await leftovers()).toEqual([]);
  });
});
