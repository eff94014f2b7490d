import { join } from 'node:path';
import {
  checkBasePinnedInProvenance,
  checkProvenanceAttached,
  checkProvenanceSource,
  checkSbomAttached,
} from '../../src/checks/supply.js';
import { runChecks } from '../../src/checks/registry.js';
import { buildxArgs, generatorNotPulled, unpullableGenerator, type BuildRequest } from '../../src/docker/buildx.js';
import { readLayoutAttestations } from '../../src/docker/layout-attestations.js';
import { summariseSbom } from '../../src/evidence/attestation-documents.js';
import { collectBuildAttestations, unattestedBuild } from '../../src/evidence/attestations.js';
import { cacheBuild } from '../../src/evidence/cache.js';
import { collected } from '../../src/evidence/collected.js';
import { parseDockerfile } from '../../src/evidence/dockerfile.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { resolveBuildInputs } from '../../src/inputs/build-inputs.js';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { parseSettings } from '../../src/inputs/resolve.js';
import { locateEvidence } from '../../src/judge.js';
import {
  CLASSIC_STORE_ANNOTATIONS,
  CLASSIC_STORE_ATTESTATIONS,
  buildAttestations,
  planAttestations,
} from '../../src/run/build-attestations.js';
import { recorded } from '../helpers/evidence.js';

// A build's own provenance and SBOM (`provenance`, `sbom`): how the inputs reach buildx, what each
// image store can hold, the SBOM generator that cannot be pulled, and the attestations read from
// the layout BuildKit wrote beside the image. The layout here was recorded from a real build on
// Docker 28.5's containerd store (`--provenance=mode=max --sbom=generator=…` with the stand-in
// generator of the integration suite, on the node:20-bookworm stand-in): its JSON blobs, without
// the layers. The integration suite builds and reads them live (build-attestations.test.ts).

const LAYOUT = join(process.cwd(), '__tests__/fixtures/attestations/build-layout');
const CONFIG = 'sha256:551cdec25e933cfe72a27025d932719b4ea55ac35c0a96118051946883962524';

function inputs(raw: RawInputs) {
  return resolveBuildInputs(parseSettings(raw), '/work/repo', {}).inputs;
}

describe('provenance and sbom inputs', () => {
  it('take build-push-action’s forms and reach buildx as its flags', () => {
    const given = inputs({ provenance: 'mode=max', sbom: 'generator=127.0.0.1:5000/scanner:1' });
    expect([given.provenance, given.sbom]).toEqual(['mode=max', 'generator=127.0.0.1:5000/scanner:1']);
    expect(inputs({ provenance: 'TRUE', sbom: 'false' })).toMatchObject({ provenance: 'true', sbom: 'false' });
    expect(inputs({ provenance: ' mode=min, builder-id=https://ci.test/run/1 ' }).provenance).toBe(
      'mode=min,builder-id=https://ci.test/run/1',
    );
    const request: BuildRequest = {
      context: '/work/repo',
      dockerfile: '/work/repo/Dockerfile',
      buildArgs: {},
      noCache: false,
      tags: [],
      inputs: given,
    };
    const args = buildxArgs(request, { iid: '/tmp/i', metadata: '/tmp/m' });
    expect(args).toContain('--provenance=mode=max');
    expect(args).toContain('--sbom=generator=127.0.0.1:5000/scanner:1');
    // Empty: buildx's own default, no flag.
    const none = buildxArgs({ ...request, inputs: inputs({}) }, { iid: '/tmp/i', metadata: '/tmp/m' });
    expect(none.filter((arg) => /^--(provenance|sbom)/.test(arg))).toEqual([]);
    // The cache builds are not shipped: they ask for neither.
    expect(cacheBuild(request).inputs).toMatchObject({ provenance: null, sbom: null });
  });

  it('refuse a value buildx would refuse, naming the input', () => {
    expect(() => inputs({ provenance: 'maximum' })).toThrow(
      "provenance: 'maximum' is not true, false or key=value (mode=min or mode=max)",
    );
    expect(() => inputs({ provenance: 'mode=full' })).toThrow("provenance: mode is min or max, not 'full'");
    expect(() => inputs({ sbom: 'generator=' })).toThrow(
      "sbom: 'generator=' is not true, false or key=value (generator=IMAGE)",
    );
  });
});

describe('image-annotations', () => {
  it('reach buildx as --annotation, each as written', () => {
    const given = inputs({
      'image-annotations':
        'org.opencontainers.image.description=A service, proven\nindex:org.opencontainers.image.source=https://github.com/org/app\nmanifest[linux/amd64]:team=payments',
    });
    const args = buildxArgs(
      { context: '/r', dockerfile: '/r/Dockerfile', buildArgs: {}, noCache: false, tags: [], inputs: given },
      { iid: '/tmp/i', metadata: '/tmp/m' },
    );
    expect(args.flatMap((arg, index) => (arg === '--annotation' ? [args[index + 1]] : []))).toEqual([
      'org.opencontainers.image.description=A service, proven',
      'index:org.opencontainers.image.source=https://github.com/org/app',
      'manifest[linux/amd64]:team=payments',
    ]);
  });

  it('refuse what is not key=value or names no place buildx knows; take what buildx takes', () => {
    for (const bad of ['just-a-word', 'layer:key=value', 'index:=value', 'index,layer:key=value'])
      expect(() => inputs({ 'image-annotations': bad })).toThrow(
        `image-annotations: '${bad}' is not key=value, with index:, manifest:, manifest[linux/amd64]: (or several, index,manifest:) before it if anything`,
      );
    const good = [
      'index,manifest:org.test=1',
      'manifest[linux/arm64/v8]:org.test=1',
      'manifest-descriptor:a=',
      'a.b/c=d=e',
    ];
    expect(inputs({ 'image-annotations': good.join('\n') }).annotations).toEqual(good);
  });

  it('are dropped on the classic store, which keeps no manifest, and the run says so', () => {
    const plan = planAttestations(inputs({ 'image-annotations': 'team=payments' }), {
      containerdStore: false,
      readsLayout: false,
      checkAttestations: false,
    });
    expect([plan.inputs.annotations, plan.annotationsRefused, plan.refused]).toEqual([
      [],
      CLASSIC_STORE_ANNOTATIONS,
      null,
    ]);
    expect(
      planAttestations(inputs({ 'image-annotations': 'team=payments' }), {
        containerdStore: true,
        readsLayout: true,
        checkAttestations: false,
      }).inputs.annotations,
    ).toEqual(['team=payments']);
  });
});

describe('what each image store can hold', () => {
  const asked = { ...inputs({ provenance: 'mode=max', sbom: 'true' }) };

  it('the classic store: nothing passed to buildx, and the refusal said', () => {
    const plan = planAttestations(asked, { containerdStore: false, readsLayout: false, checkAttestations: true });
    expect(plan.inputs).toMatchObject({ provenance: null, sbom: null });
    expect(plan.refused).toBe(CLASSIC_STORE_ATTESTATIONS);
    // `false` is not passed either (an older buildx has no such flag), and refuses nothing.
    const off = planAttestations(inputs({ provenance: 'false' }), {
      containerdStore: false,
      readsLayout: false,
      checkAttestations: true,
    });
    expect([off.inputs.provenance, off.refused]).toEqual([null, null]);
  });

  it('the containerd store: as asked; buildx’s default provenance asked by flag where the layout is read', () => {
    expect(
      planAttestations(asked, { containerdStore: true, readsLayout: true, checkAttestations: true }).inputs,
    ).toMatchObject({ provenance: 'mode=max', sbom: 'true' });
    const defaults = inputs({});
    expect(
      planAttestations(defaults, { containerdStore: true, readsLayout: true, checkAttestations: true }).inputs
        .provenance,
    ).toBe('mode=min');
    expect(
      planAttestations(defaults, { containerdStore: true, readsLayout: true, checkAttestations: false }).inputs
        .provenance,
    ).toBeNull();
    expect(
      planAttestations(inputs({ provenance: 'false' }), {
        containerdStore: true,
        readsLayout: true,
        checkAttestations: true,
      }).inputs.provenance,
    ).toBe('false');
  });
});

describe('an SBOM generator that cannot be pulled', () => {
  // buildx 0.29's last line when BuildKit cannot resolve its default generator (no Docker Hub here).
  const stderr =
    'ERROR: failed to build: failed to solve: failed to resolve source metadata for docker.io/docker/buildkit-syft-scanner:stable-1: failed to do request: Head "https://registry-1.docker.io/v2/docker/buildkit-syft-scanner/manifests/stable-1": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host';

  it('is told from a failed build, for the default generator or the one named', () => {
    const generator = unpullableGenerator('true', [], stderr)!;
    expect(generatorNotPulled(generator)).toBe(
      'the SBOM generator image docker.io/docker/buildkit-syft-scanner:stable-1 could not be pulled (no such host)',
    );
    const named = stderr.replace(/docker\.io\/docker\/buildkit-syft-scanner:stable-1/, '127.0.0.1:5000/scanner:1');
    expect(unpullableGenerator('generator=127.0.0.1:5000/scanner:1', [], named)).toEqual({
      image: '127.0.0.1:5000/scanner:1',
      cause: 'no such host',
    });
  });

  it('never excuses a base image that cannot be pulled, or a build without sbom', () => {
    const base = stderr.replace(/docker\.io\/docker\/buildkit-syft-scanner:stable-1/, 'docker.io/library/node:22');
    expect(unpullableGenerator('true', [], base)).toBeNull();
    expect(unpullableGenerator(null, [], stderr)).toBeNull();
    expect(unpullableGenerator('false', [], stderr)).toBeNull();
    expect(unpullableGenerator('generator=127.0.0.1:5000/scanner:1', [], stderr)).toBeNull();
  });
});

describe("a build's own attestations, from its layout", () => {
  it('finds the statements attached to the image built, each with its predicate', async () => {
    const read = await readLayoutAttestations(LAYOUT, CONFIG);
    expect(read.index).toBe(true);
    expect(read.statements.map((statement) => statement.predicateType)).toEqual([
      'https://spdx.dev/Document',
      'https://slsa.dev/provenance/v0.2',
    ]);
    const evidence = await collectBuildAttestations({ dir: LAYOUT, configDigest: CONFIG }, {}, {});
    expect(evidence).toMatchObject({
      from: 'the image built',
      built: true,
      provenance: { mode: 'max', predicateType: 'https://slsa.dev/provenance/v0.2' },
      sbom: { format: 'SPDX-2.3', packages: 206 },
    });
    expect(evidence.provenance!.images).toContainEqual({
      name: 'node',
      tag: '20-bookworm',
      digest: 'sha256:ba5ffbce89e5adcfcf62f711b431ef71308f2df967849fce33726aff3a03a001',
    });
  });

  it('counts an SPDX document without a package list as listing none (BuildKit drops an empty one)', () => {
    expect(summariseSbom('https://spdx.dev/Document', { spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT' })).toEqual(
      {
        predicateType: 'https://spdx.dev/Document',
        format: 'SPDX-2.3',
        packages: 0,
      },
    );
    // Nothing decoded is not "none".
    expect(summariseSbom('https://spdx.dev/Document', null).packages).toBeNull();
  });

  it('says so when the layout holds no image of that config, never "no attestation"', async () => {
    await expect(readLayoutAttestations(LAYOUT, `sha256:${'0'.repeat(64)}`)).rejects.toThrow(
      /holds no manifest for config/,
    );
  });
});

describe('HARD-SUPPLY-003/004/006 on a build', () => {
  const dockerfile = parseDockerfile('FROM node:20-bookworm@sha256:' + '9'.repeat(64) + '\nUSER node\n', {
    path: 'Dockerfile',
  });
  const judge = (attestations: EvidenceSet['attestations']) => {
    const evidence: EvidenceSet = { ...recorded('hardened').evidence, dockerfile: collected(dockerfile), attestations };
    return runChecks([checkProvenanceAttached, checkSbomAttached, checkBasePinnedInProvenance], evidence, {
      settings: parseSettings({ 'check-attestations': 'true', profile: 'hardened-image' }),
      locate: locateEvidence(evidence),
    }).map((result) => [result.id, result.status, result.severity, result.message]);
  };

  it('fail what the classic store cannot hold, with the reason', () => {
    expect(judge(collected(unattestedBuild(CLASSIC_STORE_ATTESTATIONS, {}))).slice(0, 2)).toEqual([
      [
        'HARD-SUPPLY-003',
        'fail',
        'error',
        `the image built has no provenance attestation: not produced: ${CLASSIC_STORE_ATTESTATIONS}`,
      ],
      [
        'HARD-SUPPLY-004',
        'fail',
        'error',
        `the image built has no SBOM attestation: not produced: ${CLASSIC_STORE_ATTESTATIONS}`,
      ],
    ]);
  });

  it('end in an error, never a pass or a "missing", when the build wrote no output to read them from', async () => {
    // A named builder, an older engine, several platforms: asked for, not readable.
    const unread = await buildAttestations({ layout: null }, { containerdStore: true });
    expect(unread.state === 'collected' && unread.value.unread).toMatch(/this build wrote none it could read/);
    expect(judge(unread)).toEqual([
      [
        'HARD-SUPPLY-003',
        'error',
        'error',
        expect.stringMatching(/^could not read the attestations of the image built: the build's attestations are read/),
      ],
      [
        'HARD-SUPPLY-004',
        'error',
        'error',
        expect.stringMatching(/^could not read the attestations of the image built/),
      ],
      // The pin alone, said to be unconfirmed.
      [
        'HARD-SUPPLY-006',
        'pass',
        'error',
        `node:20-bookworm@sha256:${'9'.repeat(64)} is pinned by digest (provenance: it could not be read (HARD-SUPPLY-003))`,
      ],
    ]);
    // Under the production profile the error keeps the checks' warning severity (it does not gate),
    // and the source is not judged on what was not read, even where a source is expected.
    const evidence: EvidenceSet = {
      ...recorded('hardened').evidence,
      dockerfile: collected(dockerfile),
      attestations: unread,
    };
    expect(
      runChecks([checkProvenanceAttached, checkProvenanceSource], evidence, {
        settings: parseSettings({ 'check-attestations': 'true', 'expected-source': 'org/app' }),
        locate: locateEvidence(evidence),
      }).map((result) => [result.id, result.status, result.severity]),
    ).toEqual([
      ['HARD-SUPPLY-003', 'error', 'warning'],
      ['HARD-SUPPLY-005', 'skip', 'error'],
    ]);
  });

  it('say the generator that could not be pulled, and what the build was not asked for', async () => {
    const read = await collectBuildAttestations({ dir: LAYOUT, configDigest: CONFIG }, {}, {});
    const reason = `${generatorNotPulled({ image: 'docker.io/docker/buildkit-syft-scanner:stable-1', cause: 'no such host' })}, so the image was built without one`;
    expect(judge(collected({ ...read, sbom: null, notProduced: { sbom: reason } }))[1]).toEqual([
      'HARD-SUPPLY-004',
      'fail',
      'error',
      `the image built has no SBOM attestation: not produced: ${reason}`,
    ]);
    expect(judge(collected({ ...read, sbom: null }))[1][3]).toBe(
      'the image built has no SBOM attestation: the build attached none: set sbom (true, or generator=IMAGE)',
    );
  });

  it("judge the base's digest against the build's own provenance whatever the checkout's commit", async () => {
    const read = await collectBuildAttestations({ dir: LAYOUT, configDigest: CONFIG }, {}, {});
    // The Dockerfile pins another digest than the one this provenance records: this run built it.
    expect(judge(collected({ ...read, checkoutRevision: null }))[2]).toEqual([
      'HARD-SUPPLY-006',
      'fail',
      'error',
      `node:20-bookworm@sha256:${'9'.repeat(64)}: the provenance does not record this digest (it records node@sha256:ba5ffbce89e5adcfcf62f711b431ef71308f2df967849fce33726aff3a03a001): the image was not built from the base this Dockerfile pins`,
    ]);
  });
});
