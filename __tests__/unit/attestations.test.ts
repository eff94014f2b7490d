import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkBasePinnedInProvenance,
  checkProvenanceAttached,
  checkProvenanceSource,
  checkSbomAttached,
} from '../../src/checks/supply.js';
import { runChecks } from '../../src/checks/registry.js';
import {
  comparableImageName,
  comparableRepository,
  summariseProvenance,
  summariseSbom,
} from '../../src/evidence/attestation-documents.js';
import type { AttestationEvidence } from '../../src/evidence/attestations.js';
import { collected, skipped } from '../../src/evidence/collected.js';
import { parseDockerfile } from '../../src/evidence/dockerfile.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { parseSettings, resolveOptions } from '../../src/inputs/resolve.js';
import { locateEvidence } from '../../src/judge.js';
import { recorded } from '../helpers/evidence.js';
import { scratchTree } from '../helpers/scratch.js';

// What an image's attestations say (BuildKit's SLSA provenance v0.2 and v1, min and max; SPDX and
// CycloneDX SBOMs) and how HARD-SUPPLY-003…006 judge it. Read from a registry in the integration
// suite (attestations.test.ts), with attestations the tests write there themselves.

const DIGEST = `sha256:${'a1'.repeat(32)}`;
const OTHER = `sha256:${'b2'.repeat(32)}`;

// Shaped as docs.docker.com's "SLSA definitions" gives BuildKit's provenance.
const V02_MIN = {
  builder: { id: 'https://github.com/org/app/actions/runs/42' },
  buildType: 'https://mobyproject.org/buildkit@v1',
  materials: [
    { uri: 'pkg:docker/docker/dockerfile@1', digest: { sha256: 'c3'.repeat(32) } },
    { uri: 'pkg:docker/node@22-bookworm-slim?platform=linux%2Famd64', digest: { sha256: DIGEST.slice(7) } },
    { uri: 'pkg:docker/127.0.0.1%3A5000/team/base@1?platform=linux%2Famd64', digest: { sha256: OTHER.slice(7) } },
    { uri: 'https://github.com/org/app.git#refs/tags/v1', digest: { sha1: 'f'.repeat(40) } },
  ],
  invocation: { configSource: { entryPoint: 'Dockerfile' }, parameters: { frontend: 'dockerfile.v0' } },
  metadata: {
    'https://mobyproject.org/buildkit@v1#metadata': {
      vcs: { source: 'git@github.com:Org/App.git', revision: 'e'.repeat(40) },
    },
  },
};
const V1_MAX = {
  buildDefinition: {
    buildType: 'https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md',
    externalParameters: {
      configSource: {
        uri: 'https://github.com/org/app.git#refs/tags/v1',
        digest: { sha1: 'd'.repeat(40) },
        path: 'Dockerfile',
      },
      request: { frontend: 'dockerfile.v0', args: {} },
    },
    internalParameters: { buildConfig: { llbDefinition: [] }, builderPlatform: 'linux/amd64' },
    resolvedDependencies: [
      {
        uri: 'pkg:docker/gcr.io/distroless/static?digest=' + DIGEST + '&platform=linux%2Famd64',
        digest: { sha256: DIGEST.slice(7) },
      },
    ],
  },
  runDetails: {
    builder: { id: '' },
    metadata: { buildkit_metadata: { vcs: { source: 'https://x/y', revision: '1' } } },
  },
};

describe('provenance, read', () => {
  it('v0.2, mode min: the client-given source (a hint), the images with their digests', () => {
    expect(summariseProvenance('https://slsa.dev/provenance/v0.2', V02_MIN)).toEqual({
      predicateType: 'https://slsa.dev/provenance/v0.2',
      mode: 'min',
      builderId: 'https://github.com/org/app/actions/runs/42',
      source: { uri: 'git@github.com:Org/App.git', revision: 'e'.repeat(40), verified: false },
      images: [
        { name: 'docker/dockerfile', tag: '1', digest: `sha256:${'c3'.repeat(32)}` },
        { name: 'node', tag: '22-bookworm-slim', digest: DIGEST },
        { name: '127.0.0.1:5000/team/base', tag: '1', digest: OTHER },
      ],
    });
  });

  it('v1, mode max: the git context BuildKit fetched is the source, verified', () => {
    expect(summariseProvenance('https://slsa.dev/provenance/v1', V1_MAX)).toEqual({
      predicateType: 'https://slsa.dev/provenance/v1',
      mode: 'max',
      builderId: null,
      source: { uri: 'https://github.com/org/app.git#refs/tags/v1', revision: 'd'.repeat(40), verified: true },
      images: [{ name: 'gcr.io/distroless/static', tag: null, digest: DIGEST }],
    });
    expect(
      summariseProvenance('https://slsa.dev/provenance/v0.2', { ...V02_MIN, buildConfig: { llbDefinition: [] } }).mode,
    ).toBe('max');
  });

  it('an empty or odd predicate reads as nothing recorded, never as a source', () => {
    expect(summariseProvenance('https://slsa.dev/provenance/v0.2', null)).toEqual({
      predicateType: 'https://slsa.dev/provenance/v0.2',
      mode: 'min',
      builderId: null,
      source: null,
      images: [],
    });
  });
});

describe('provenance BuildKit wrote, read', () => {
  const recordedProvenance = (name: string): { predicateType: string; predicate: unknown } =>
    JSON.parse(readFileSync(join(process.cwd(), '__tests__/fixtures/attestations', name), 'utf8')) as {
      predicateType: string;
      predicate: unknown;
    };

  it('mode max, from a digest-pinned base in a registry with a port (no tag in its package URL)', () => {
    const { predicateType, predicate } = recordedProvenance('buildkit-provenance-v0.2-max.json');
    expect(summariseProvenance(predicateType, predicate)).toEqual({
      predicateType,
      mode: 'max',
      builderId: null,
      source: null,
      images: [
        {
          name: '127.0.0.1:5000/probe/busy',
          tag: null,
          digest: 'sha256:7a3e7633051e1f18a001c6c363d0b7ea83334118f8f157861442be9a2df7ad66',
        },
      ],
    });
  });

  it("mode min, from a git checkout: buildx's vcs hints, not verified by BuildKit", () => {
    const { predicateType, predicate } = recordedProvenance('buildkit-provenance-v0.2-min-git.json');
    const summary = summariseProvenance(predicateType, predicate);
    expect(summary.mode).toBe('min');
    expect(summary.source).toEqual({
      uri: 'https://github.com/Org/App.git',
      revision: '0915d2472b58b73a3e24b0a61b9c43c1d5c33cf1',
      verified: false,
    });
    expect(comparableRepository(summary.source!.uri)).toBe('https://github.com/org/app');
  });
});

describe('SBOMs, read', () => {
  it('SPDX (BuildKit) and CycloneDX', () => {
    expect(summariseSbom('https://spdx.dev/Document', { spdxVersion: 'SPDX-2.3', packages: [{}, {}] })).toEqual({
      predicateType: 'https://spdx.dev/Document',
      format: 'SPDX-2.3',
      packages: 2,
    });
    expect(summariseSbom('https://cyclonedx.org/bom', { specVersion: '1.5', components: [{}] })).toEqual({
      predicateType: 'https://cyclonedx.org/bom',
      format: 'CycloneDX 1.5',
      packages: 1,
    });
  });
});

describe('names, made comparable', () => {
  it.each([
    ['git@github.com:Org/App.git', 'https://github.com/org/app'],
    ['https://github.com/org/app.git#refs/tags/v1', 'https://github.com/org/app'],
    ['https://github.com/org/app/', 'https://github.com/org/app'],
    ['ssh://git@github.com/org/app.git', 'https://github.com/org/app'],
    ['https://x-access-token:secret@github.com/org/app.git', 'https://github.com/org/app'],
  ])('%s → %s', (uri, comparable) => expect(comparableRepository(uri)).toBe(comparable));

  it('images: Docker Hub spelt any way', () => {
    expect(comparableImageName('docker.io/library/Node')).toBe('node');
    expect(comparableImageName('index.docker.io/library/node')).toBe('node');
    expect(comparableImageName('ghcr.io/org/base')).toBe('ghcr.io/org/base');
  });
});

describe('HARD-SUPPLY-003…006', () => {
  const dockerfile = parseDockerfile(
    [
      `FROM node:22-bookworm-slim@${DIGEST} AS build`,
      'RUN true',
      'FROM 127.0.0.1:5000/team/base:1',
      'COPY --from=build /x /x',
      `COPY --from=node:22-bookworm-slim@${OTHER} /y /y`,
      '',
    ].join('\n'),
    { path: 'Dockerfile' },
  );
  const attested = (attestations: AttestationEvidence | null, inputs: Record<string, string> = {}) => {
    const evidence: EvidenceSet = {
      ...recorded('hardened').evidence,
      dockerfile: collected(dockerfile),
      attestations: attestations ? collected(attestations) : skipped<AttestationEvidence>('check-attestations is off'),
    };
    return runChecks(
      [checkProvenanceAttached, checkSbomAttached, checkProvenanceSource, checkBasePinnedInProvenance],
      evidence,
      { settings: parseSettings(inputs), locate: locateEvidence(evidence) },
    ).map((result) => [result.id, result.status, result.location?.line ?? null, result.message]);
  };
  const complete: AttestationEvidence = {
    from: '127.0.0.1:5000/app:1',
    built: false,
    notProduced: {},
    unread: null,
    index: true,
    predicateTypes: ['https://slsa.dev/provenance/v0.2', 'https://spdx.dev/Document'],
    provenance: summariseProvenance('https://slsa.dev/provenance/v0.2', V02_MIN),
    sbom: { predicateType: 'https://spdx.dev/Document', format: 'SPDX-2.3', packages: 12 },
    runRepository: null,
    // This checkout is the commit the image was built from (GITHUB_SHA = the provenance's revision).
    checkoutRevision: 'e'.repeat(40),
  };

  it('judge a complete image: every line that names a base', () => {
    expect(
      attested(complete, { 'expected-source': 'https://github.com/org/app', 'check-attestations': 'true' }),
    ).toEqual([
      [
        'HARD-SUPPLY-003',
        'pass',
        null,
        `https://slsa.dev/provenance/v0.2 (mode min), builder https://github.com/org/app/actions/runs/42, source git@github.com:Org/App.git@${'e'.repeat(40)}`,
      ],
      ['HARD-SUPPLY-004', 'pass', null, 'SPDX-2.3, 12 packages'],
      [
        'HARD-SUPPLY-005',
        'pass',
        null,
        `built from git@github.com:Org/App.git at ${'e'.repeat(40)} (the builder client says so; BuildKit does not check it)`,
      ],
      ['HARD-SUPPLY-006', 'pass', 1, `node:22-bookworm-slim@${DIGEST}: the provenance records this digest`],
      ['HARD-SUPPLY-006', 'fail', 3, '127.0.0.1:5000/team/base:1 is pinned by tag only, not by digest'],
      [
        'HARD-SUPPLY-006',
        'fail',
        5,
        `node:22-bookworm-slim@${OTHER}: the provenance does not record this digest (it records node@${DIGEST}): the image was not built from the base this Dockerfile pins`,
      ],
    ]);
  });

  it('fail what is missing, and say why the classic store has none', () => {
    const single: AttestationEvidence = {
      from: 'r/app:1',
      built: false,
      notProduced: {},
      unread: null,
      index: false,
      predicateTypes: [],
      provenance: null,
      sbom: null,
      runRepository: null,
      checkoutRevision: null,
    };
    const judged = attested(single, { 'expected-source': 'https://github.com/org/app', 'check-attestations': 'true' });
    expect(judged.slice(0, 3)).toEqual([
      [
        'HARD-SUPPLY-003',
        'fail',
        null,
        expect.stringMatching(/^r\/app:1 has no provenance attestation: the reference names an image manifest alone/),
      ],
      [
        'HARD-SUPPLY-004',
        'fail',
        null,
        expect.stringMatching(/^r\/app:1 has no SBOM attestation: the reference names/),
      ],
      ['HARD-SUPPLY-005', 'skip', null, 'no provenance to read (HARD-SUPPLY-003)'],
    ]);
    // The pin alone is judged, and the message says the provenance could not confirm it.
    expect(judged[3]).toEqual([
      'HARD-SUPPLY-006',
      'pass',
      1,
      `node:22-bookworm-slim@${DIGEST} is pinned by digest (provenance: no provenance to compare it with (HARD-SUPPLY-003))`,
    ]);
    expect(judged[4]).toEqual([
      'HARD-SUPPLY-006',
      'fail',
      3,
      '127.0.0.1:5000/team/base:1 is pinned by tag only, not by digest',
    ]);
  });

  it('judge the digests only where this checkout is the commit the image was built from', () => {
    const later = attested({ ...complete, checkoutRevision: '9'.repeat(40) }, { 'check-attestations': 'true' });
    expect(later[5]).toEqual([
      'HARD-SUPPLY-006',
      'skip',
      5,
      `node:22-bookworm-slim@${OTHER}: the provenance does not record this digest (it records node@${DIGEST}), but the image was built from commit ${'e'.repeat(40)} and this checkout is commit ${'9'.repeat(40)}: its Dockerfile may have pinned another`,
    ]);
    // A pin by tag only is this Dockerfile's own finding, whatever the commit.
    expect(later[4].slice(0, 3)).toEqual(['HARD-SUPPLY-006', 'fail', 3]);
    const unknown = attested({ ...complete, checkoutRevision: null }, { 'check-attestations': 'true' });
    expect(unknown[5][1]).toBe('skip');
  });

  it('never show a credential of a source URL, and take owner/repo for github.com', () => {
    const withToken = {
      ...complete,
      provenance: {
        ...complete.provenance!,
        source: { uri: 'https://x-access-token:ghs_secret@github.com/org/app.git', revision: null, verified: true },
      },
    };
    const judged = attested(withToken, { 'expected-source': 'org/app', 'check-attestations': 'true' });
    expect(judged[2]).toEqual(['HARD-SUPPLY-005', 'pass', null, 'built from https://github.com/org/app.git']);
    expect(JSON.stringify(judged)).not.toContain('ghs_secret');
  });

  it('with expected-revision, pass only the commit asked for', () => {
    const inputs = { 'expected-source': 'https://github.com/org/app', 'check-attestations': 'true' };
    expect(attested(complete, { ...inputs, 'expected-revision': 'E'.repeat(40) })[2][1]).toBe('pass');
    expect(attested(complete, { ...inputs, 'expected-revision': '9'.repeat(40) })[2]).toEqual([
      'HARD-SUPPLY-005',
      'fail',
      null,
      `built from git@github.com:Org/App.git at ${'e'.repeat(40)} (the builder client says so; BuildKit does not check it), not at ${'9'.repeat(40)} (expected-revision)`,
    ]);
    const noCommit = {
      ...complete,
      provenance: { ...complete.provenance!, source: { ...complete.provenance!.source!, revision: null } },
    };
    expect(attested(noCommit, { ...inputs, 'expected-revision': '9'.repeat(40) })[2][3]).toMatch(
      / at a commit it does not record .*, not at 9{40} \(expected-revision\)$/,
    );
    // Not set: the commit is reported, not judged.
    expect(attested(noCommit, inputs)[2][1]).toBe('pass');
    // Its first 7 or more hex digits name it too.
    expect(attested(complete, { ...inputs, 'expected-revision': 'eeeeeee' })[2][1]).toBe('pass');
  });

  it('refuse an expected-revision that is no commit id before anything runs', async () => {
    const root = scratchTree('expected-revision', { Dockerfile: 'FROM scratch\n' });
    for (const given of ['v1.4.0', 'main', 'abc12'])
      await expect(resolveOptions({ 'expected-revision': given }, root, 'action')).rejects.toThrow(
        `expected-revision: '${given}' is not a commit id: give the commit (\${{ github.sha }}) or its first 7 or more hex digits`,
      );
    await expect(resolveOptions({ 'expected-revision': 'A'.repeat(40) }, root, 'action')).resolves.toBeDefined();
  });

  it('fail provenance from another repository, or none named; skip without an expected source', () => {
    const elsewhere = attested(complete, { 'expected-source': 'https://github.com/someone/fork' });
    expect(elsewhere[2]).toEqual([
      'HARD-SUPPLY-005',
      'fail',
      null,
      `built from git@github.com:Org/App.git at ${'e'.repeat(40)} (the builder client says so; BuildKit does not check it), not from https://github.com/someone/fork`,
    ]);
    const anonymous = { ...complete, provenance: { ...complete.provenance!, source: null } };
    expect(attested(anonymous, { 'expected-source': 'https://github.com/org/app' })[2][1]).toBe('fail');
    expect(attested(complete)[2]).toEqual([
      'HARD-SUPPLY-005',
      'skip',
      null,
      'expected-source is not set (and no GitHub Actions run names one)',
    ]);
    // In a GitHub Actions run: that run's repository is expected.
    expect(attested({ ...complete, runRepository: 'https://github.com/org/app' })[2][1]).toBe('pass');
    expect(attested({ ...complete, runRepository: 'https://github.com/org/other' })[2][1]).toBe('fail');
  });

  it('are skipped when not asked for', () => {
    expect(attested(null).map(([id, status, , message]) => [id, status, message])).toEqual([
      ['HARD-SUPPLY-003', 'skip', 'check-attestations is off'],
      ['HARD-SUPPLY-004', 'skip', 'check-attestations is off'],
      ['HARD-SUPPLY-005', 'skip', 'check-attestations is off'],
      ['HARD-SUPPLY-006', 'skip', 'check-attestations is off'],
    ]);
  });
});
