import type { SignatureEvidence, SignatureRecord, SignatureRole } from '../evidence/signatures.js';
import { defineCheck, type Verdict } from './registry.js';

// Signatures as cosign verified them (src/evidence/signatures.ts): an image is trusted only when
// a signature by the key or identity the user named verifies. Unsigned and signed-by-someone-else
// fail; a registry that did not answer is "could not verify" — never a pass, never a false fail.

function judged(record: SignatureRecord, signer: string): Verdict {
  const what = record.role === 'base' ? record.reference : `the image ${record.reference}`;
  const location = record.location ? { location: record.location } : {};
  const measured = { reference: record.reference, outcome: record.outcome, digest: record.digest };
  switch (record.outcome) {
    case 'verified':
      return { status: 'pass', message: `${what} (${record.digest}) is signed by ${signer}`, measured, ...location };
    case 'unsigned':
      return { status: 'fail', message: `${what} has no signature (cosign: ${record.detail})`, measured, ...location };
    case 'not-trusted':
      return {
        status: 'fail',
        message: `${what} is not signed by ${signer} (cosign: ${record.detail})`,
        measured,
        ...location,
      };
    case 'unreachable':
      return {
        status: 'error',
        message: `could not verify ${what}: cosign could not read it from its registry (${record.detail})`,
        measured,
        ...location,
      };
  }
}

function verdictsFor(role: SignatureRole, signatures: SignatureEvidence): Verdict | Verdict[] {
  if (!signatures.roles.includes(role))
    return {
      status: 'skip',
      message: `verify-signature does not ask for ${role} (it asks for ${signatures.roles.join(', ')})`,
    };
  if (signatures.unavailable) return { status: 'error', message: signatures.unavailable };
  const none = signatures.notApplicable[role];
  if (none) return { status: none.holds ? 'pass' : 'skip', message: none.reason };
  return signatures.records.filter((record) => record.role === role).map((record) => judged(record, signatures.signer));
}

const WHY =
  'A tag says nothing about who made an image: a registry account taken over, a typo-squatted name or a mirror can serve other bytes under it. A signature by a key or CI identity you trust proves who published the exact digest you run.';

export const checkBaseSignatures = defineCheck({
  id: 'HARD-SUPPLY-001',
  category: 'supply',
  severity: 'error',
  title: 'Base images are signed by whom you trust',
  proves:
    'With verify-signature base: every external image the build starts from or copies from (FROM, COPY --from, build arguments applied) has a cosign signature that verifies with signature-key, or keyless with signature-identity from signature-issuer. Judged on the line that names the image.',
  why: WHY,
  threshold: 'verify-signature: base (off by default)',
  remediation:
    'Build from images their publisher signs (most official and hardened base images are signed keyless by their CI), and name that publisher in signature-key or signature-identity/signature-issuer. For your own base images, sign them in their release workflow (cosign sign).',
  needs: ['signatures'],
  run({ signatures }) {
    return verdictsFor('base', signatures);
  },
});

export const checkImageSignature = defineCheck({
  id: 'HARD-SUPPLY-002',
  category: 'supply',
  severity: 'error',
  title: "The image's signature verifies",
  proves:
    "With verify-signature image: the image named by reference (image:) has a cosign signature by signature-key, or keyless by signature-identity from signature-issuer. A build's own image is signed after its push, so this applies to images checked by reference: a release re-checked before deployment.",
  why: WHY,
  threshold: 'verify-signature: image (off by default)',
  remediation:
    'Sign the image where it is released (cosign sign, keyless from the release workflow), after this action proved and pushed it; verify with the key or identity that release uses.',
  needs: ['signatures'],
  run({ signatures }) {
    return verdictsFor('image', signatures);
  },
});
