import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBaseSignatures, checkImageSignature } from '../../src/checks/supply.js';
import { runChecks } from '../../src/checks/registry.js';
import { collected, skipped } from '../../src/evidence/collected.js';
import {
  describeTrust,
  readVerification,
  trustArgs,
  verifySignatures,
  type SignatureEvidence,
  type SignatureRecord,
} from '../../src/evidence/signatures.js';
import { parseSettings, signatureProblem } from '../../src/inputs/resolve.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { locateEvidence } from '../../src/judge.js';
import { recorded } from '../helpers/evidence.js';

// Signatures as cosign verified them: what cosign 3 printed for each case (recorded against a
// registry on this machine with Debian's cosign 3.1.1), read into an outcome; the outcome judged;
// the inputs that say what to verify and whom to trust. The verification itself runs against the
// registry in the integration suite (signatures.test.ts).

// A workspace holding a public key, for the inputs that name one.
const KEYS = mkdtempSync(join(tmpdir(), 'signature-inputs-'));
writeFileSync(join(KEYS, 'cosign.pub'), '-----BEGIN PUBLIC KEY-----\n');
afterAll(() => rmSync(KEYS, { recursive: true, force: true }));

const COSIGN_OUTPUTS = join(process.cwd(), '__tests__/fixtures/cosign');
const recording = (name: string): { code: number; stdout: string; stderr: string } =>
  JSON.parse(readFileSync(join(COSIGN_OUTPUTS, `${name}.json`), 'utf8')) as {
    code: number;
    stdout: string;
    stderr: string;
  };

describe('what cosign verify says, read', () => {
  it.each([
    ['verified', 'verified'],
    ['unsigned', 'unsigned'],
    ['other-key', 'not-trusted'],
    ['tag-unknown', 'unreachable'],
    ['no-registry', 'unreachable'],
    // Keyless, or a key with the transparency log required, needs Sigstore's trust root: a
    // machine that cannot reach it has verified nothing either way.
    ['keyless-offline', 'unreachable'],
    ['tlog-required', 'unreachable'],
  ])('%s → %s', (name, outcome) => {
    const { code, stdout, stderr } = recording(name);
    const read = readVerification(code, stdout, stderr);
    expect(read.outcome).toBe(outcome);
    if (outcome === 'verified')
      expect(read).toEqual({
        outcome,
        digest: 'sha256:7a3e7633051e1f18a001c6c363d0b7ea83334118f8f157861442be9a2df7ad66',
        detail: null,
      });
    else expect(read.detail).toMatch(/\S/);
  });

  it('covers every recording', () => {
    expect(readdirSync(COSIGN_OUTPUTS).sort()).toEqual(
      ['keyless-offline', 'no-registry', 'other-key', 'tag-unknown', 'tlog-required', 'unsigned', 'verified'].map(
        (name) => `${name}.json`,
      ),
    );
  });

  it('never calls a network failure a refusal, nor an answer without an image signature a pass', () => {
    const wrapped =
      'Error: no matching signatures: Get "https://rekor.sigstore.dev/api/v1/log": dial tcp: i/o timeout\n';
    expect(readVerification(1, '', wrapped).outcome).toBe('unreachable');
    const login = 'Error: GET https://ghcr.io/v2/org/app/manifests/1: UNAUTHORIZED: authentication required\n';
    expect(readVerification(1, '', login).outcome).toBe('unreachable');
    // Verified, but only an attestation: no image signature was verified.
    const attestationOnly = JSON.stringify([
      { critical: { image: { 'docker-manifest-digest': `sha256:${'c'.repeat(64)}` }, type: 'https://example.dev/v1' } },
    ]);
    expect(readVerification(0, attestationOnly, '').outcome).toBe('unreachable');
    // cosign 2's payload type is recognised as well.
    const cosign2 = JSON.stringify([
      {
        critical: {
          image: { 'docker-manifest-digest': `sha256:${'d'.repeat(64)}` },
          type: 'cosign container image signature',
        },
      },
    ]);
    expect(readVerification(0, cosign2, '')).toEqual({
      outcome: 'verified',
      digest: `sha256:${'d'.repeat(64)}`,
      detail: null,
    });
  });

  it('reads a refusal as one even when the subjects it quotes say anything', () => {
    const identity =
      'Error: none of the expected identities matched what was in the certificate, got subjects [https://github.com/x/go-tuf/.github/workflows/denied.yml@refs/heads/main]\n';
    expect(readVerification(1, '', identity).outcome).toBe('not-trusted');
    // cosign's own "no signatures found" stays unsigned, whatever warnings come before it.
    expect(
      readVerification(10, '', 'WARNING: tuf refresh failed, using cached root\nError: no signatures found\n').outcome,
    ).toBe('unsigned');
    expect(readVerification(1, '', 'Error: no matching signatures: context deadline exceeded\n').outcome).toBe(
      'unreachable',
    );
  });

  it("gives cosign's own reason, without its prefixes", () => {
    expect(
      readVerification(
        10,
        '',
        'WARNING: x\nError: no signatures found\nerror during command execution: no signatures found\n',
      ),
    ).toEqual({ outcome: 'unsigned', digest: null, detail: 'no signatures found' });
    expect(readVerification(1, '', recording('other-key').stderr).detail).toMatch(
      /^no matching attestations: failed to verify signature/,
    );
  });
});

describe('whom cosign trusts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trust-'));
    writeFileSync(join(dir, 'cosign.pub'), '-----BEGIN PUBLIC KEY-----\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a key file from the workspace, a KMS URI as is, or a keyless identity and issuer', () => {
    expect(trustArgs({ key: 'cosign.pub', identity: '', issuer: '', tlog: true }, dir)).toEqual([
      '--key',
      join(dir, 'cosign.pub'),
    ]);
    expect(trustArgs({ key: 'awskms://alias/release', identity: '', issuer: '', tlog: false }, dir)).toEqual([
      '--key',
      'awskms://alias/release',
      '--insecure-ignore-tlog=true',
    ]);
    expect(
      trustArgs(
        {
          key: '',
          identity: '^https://github.com/org/',
          issuer: 'https://token.actions.githubusercontent.com',
          tlog: true,
        },
        dir,
      ),
    ).toEqual([
      '--certificate-identity-regexp',
      '^https://github.com/org/',
      '--certificate-oidc-issuer',
      'https://token.actions.githubusercontent.com',
    ]);
    expect(() => trustArgs({ key: 'missing.pub', identity: '', issuer: '', tlog: true }, dir)).toThrow(
      'signature-key: missing.pub does not exist in the workspace',
    );
    expect(describeTrust({ key: 'cosign.pub', identity: '', issuer: '', tlog: false })).toBe(
      'the key cosign.pub (without a transparency log)',
    );
  });

  it('without cosign, the run says how to get it', async () => {
    const evidence = await verifySignatures({
      roles: ['base'],
      trust: { key: 'cosign.pub', identity: '', issuer: '', tlog: true },
      workspace: dir,
      bases: [],
      image: null,
      cosign: join(dir, 'no-cosign-here'),
    });
    expect(evidence.records).toEqual([]);
    expect(evidence.unavailable).toMatch(/^cosign is not on the PATH: add sigstore\/cosign-installer@v3/);
  });
});

describe('the signature inputs', () => {
  const problem = (inputs: Record<string, string>, surface: 'action' | 'cli' = 'action'): string | null =>
    signatureProblem(parseSettings(inputs), surface, KEYS);

  it.each([
    [{}, null],
    [{ 'verify-signature': 'base', 'signature-key': 'cosign.pub' }, null],
    [
      {
        'verify-signature': 'base,image',
        'signature-identity': '^https://github.com/org/',
        'signature-issuer': 'https://x',
      },
      null,
    ],
    [
      { 'verify-signature': 'base' },
      /needs whom to trust: signature-key \(a public key\), or signature-identity with signature-issuer/,
    ],
    [{ 'verify-signature': 'bases', 'signature-key': 'k' }, /'bases' is not base or image/],
    [
      { 'verify-signature': 'image', 'signature-identity': 'x' },
      /keyless signatures need both signature-identity .* and signature-issuer/,
    ],
    [
      { 'verify-signature': 'image', 'signature-key': 'k', 'signature-identity': 'x', 'signature-issuer': 'y' },
      /not both/,
    ],
    [{ 'signature-key': 'cosign.pub' }, /^signature-key is read only with verify-signature/],
  ])('%j', (inputs, expected) => {
    const found = problem(inputs);
    if (expected === null) expect(found).toBeNull();
    else expect(found).toMatch(expected);
  });

  it('names the flags on the CLI', () => {
    expect(problem({ 'verify-signature': 'base' }, 'cli')).toMatch(
      /^--verify-signature needs whom to trust: --signature-key/,
    );
  });
});

describe('HARD-SUPPLY-001 and HARD-SUPPLY-002', () => {
  const base = (reference: string, line: number, outcome: SignatureRecord['outcome']): SignatureRecord => ({
    role: 'base',
    reference,
    location: { file: 'Dockerfile', line },
    outcome,
    digest: outcome === 'verified' ? `sha256:${'a'.repeat(64)}` : null,
    detail: outcome === 'verified' ? null : 'what cosign said',
  });
  const judge = (signatures: SignatureEvidence | null) => {
    const evidence: EvidenceSet = {
      ...recorded('hardened').evidence,
      signatures: signatures ? collected(signatures) : skipped<SignatureEvidence>('verify-signature is not set'),
    };
    return runChecks([checkBaseSignatures, checkImageSignature], evidence, {
      settings: parseSettings({}),
      locate: locateEvidence(evidence),
    }).map((result) => [result.id, result.status, result.message, result.location?.line ?? null]);
  };

  it('pass what verifies; fail the unsigned and the signed by another; cannot judge what cosign could not read', () => {
    expect(
      judge({
        roles: ['base', 'image'],
        signer: 'the key cosign.pub',
        records: [
          base('reg/signed:1', 5, 'verified'),
          base('reg/unsigned:1', 3, 'unsigned'),
          base('reg/other:1', 4, 'not-trusted'),
          base('reg/gone:1', 6, 'unreachable'),
          { ...base('${BASE}', 7, 'unnamed'), detail: 'set by a build argument without a value (BASE)' },
          {
            role: 'image',
            reference: 'reg/app:1',
            location: null,
            outcome: 'verified',
            digest: `sha256:${'b'.repeat(64)}`,
            detail: null,
          },
        ],
        notApplicable: {},
        unavailable: null,
      }),
    ).toEqual([
      ['HARD-SUPPLY-001', 'pass', `reg/signed:1 (sha256:${'a'.repeat(64)}) is signed by the key cosign.pub`, 5],
      ['HARD-SUPPLY-001', 'fail', 'reg/unsigned:1 has no signature (cosign: what cosign said)', 3],
      ['HARD-SUPPLY-001', 'fail', 'reg/other:1 is not signed by the key cosign.pub (cosign: what cosign said)', 4],
      [
        'HARD-SUPPLY-001',
        'error',
        'could not verify reg/gone:1: cosign could not complete the verification (what cosign said)',
        6,
      ],
      [
        'HARD-SUPPLY-001',
        'skip',
        '${BASE}: not verified, the image is set by a build argument without a value (BASE)',
        7,
      ],
      [
        'HARD-SUPPLY-002',
        'pass',
        `the image reg/app:1 (sha256:${'b'.repeat(64)}) is signed by the key cosign.pub`,
        null,
      ],
    ]);
  });

  it('skip what was not asked; a build has no signature of its own to verify', () => {
    expect(
      judge({
        roles: ['base', 'image'],
        signer: 'k',
        records: [],
        notApplicable: {
          base: { reason: 'the build starts from no external image', holds: true },
          image: { reason: 'a build is signed after it is pushed', holds: false },
        },
        unavailable: null,
      }).map(([id, status]) => [id, status]),
    ).toEqual([
      ['HARD-SUPPLY-001', 'pass'],
      ['HARD-SUPPLY-002', 'skip'],
    ]);
    expect(judge({ roles: ['image'], signer: 'k', records: [], notApplicable: {}, unavailable: null })[0]).toEqual([
      'HARD-SUPPLY-001',
      'skip',
      'verify-signature does not ask for base (it asks for image)',
      null,
    ]);
    // Without cosign: what was asked could not be judged; what was not is skipped all the same.
    expect(
      judge({ roles: ['base'], signer: 'k', records: [], notApplicable: {}, unavailable: 'cosign is not on the PATH' }),
    ).toEqual([
      ['HARD-SUPPLY-001', 'error', 'cosign is not on the PATH', null],
      ['HARD-SUPPLY-002', 'skip', 'verify-signature does not ask for image (it asks for base)', null],
    ]);
    expect(judge(null).map(([id, status, message]) => [id, status, message])).toEqual([
      ['HARD-SUPPLY-001', 'skip', 'verify-signature is not set'],
      ['HARD-SUPPLY-002', 'skip', 'verify-signature is not set'],
    ]);
  });
});
