import { comparableImageName, comparableRepository, displayedRepository } from '../evidence/attestation-documents.js';
import type { AttestationEvidence } from '../evidence/attestations.js';
import type { SignatureEvidence, SignatureRecord, SignatureRole } from '../evidence/signatures.js';
import type { Settings } from '../evidence/types.js';
import { parseImageReference } from '../util/image-reference.js';
import { built } from './dockerfile-helpers.js';
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
    case 'unnamed':
      return {
        status: 'skip',
        message: `${record.reference}: not verified, the image is ${record.detail ?? 'not named'}`,
        measured,
        ...location,
      };
    case 'unreachable':
      return {
        status: 'error',
        message: `could not verify ${what}: cosign could not complete the verification (${record.detail})`,
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
  'A tag says nothing about who made an image: a registry account taken over, a typo-squatted name or a mirror can serve other bytes under it. A signature by a key or CI identity you trust proves who published the digest.';

export const checkBaseSignatures = defineCheck({
  id: 'HARD-SUPPLY-001',
  category: 'supply',
  severity: 'error',
  title: 'Base images are signed by whom you trust',
  proves:
    "With verify-signature base: every external image the stages built start from or copy from (FROM, COPY --from, build arguments applied) has a cosign signature that verifies with signature-key, or keyless with signature-identity from signature-issuer. Judged on each line that names an image; cosign asks the registry for the tag's digest now, so pin a digest (`FROM app@sha256:…`) to have that exact image verified. A base set by a build argument without a value is said to be not verified (skipped) on its line.",
  why: WHY,
  threshold: 'verify-signature: base (off by default)',
  remediation:
    'Build from images their publisher signs with cosign (not every publisher does), and name that publisher in signature-key or signature-identity/signature-issuer. Sign your own base images in their release workflow (cosign sign).',
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
    "With verify-signature image: the image named by reference (image:) has a cosign signature by signature-key, or keyless by signature-identity from signature-issuer. cosign asks the registry for the reference's digest (name one, `image: app@sha256:…`, to have that exact image verified). A build's own image is signed after its push, so this applies to images checked by reference: a release checked again before it is deployed.",
  why: WHY,
  threshold: 'verify-signature: image (off by default)',
  remediation:
    'Sign the image where it is released (cosign sign, keyless from the release workflow), after this action proved and pushed it; verify with the key or identity that release uses.',
  needs: ['signatures'],
  run({ signatures }) {
    return verdictsFor('image', signatures);
  },
});

// Attestations, as the image's registry holds them or this run's build attached them
// (check-attestations): where the image came
// from (provenance), what is in it (SBOM), and whether that matches what this repository says.

/**
 * An attestation the registry does not hold, and where it was looked for; the hardened-image
 * profile makes it an error (a warning in production).
 */
function missingAttestation(
  kind: 'provenance' | 'SBOM',
  attestations: AttestationEvidence,
  settings: Settings,
): Verdict {
  const input = kind === 'SBOM' ? 'sbom' : 'provenance';
  const notProduced = attestations.notProduced[input];
  const why = notProduced
    ? `not produced: ${notProduced}`
    : attestations.built
      ? `the build attached none: set ${input} (${kind === 'SBOM' ? 'true, or generator=IMAGE' : 'mode=max'})`
      : attestations.index
        ? LOOKED_IN
        : CLASSIC_STORE;
  return {
    status: 'fail',
    message: `${attestations.from} has no ${kind} attestation: ${why}`,
    ...(settings.profile === 'hardened-image' ? { severity: 'error' as const } : {}),
  };
}

/**
 * Attestations asked for and not readable (a build whose builder writes no output of its own): an
 * error, never a pass or a "missing" — one that gates under hardened-image, where provenance and
 * SBOM are required, and keeps the check's severity elsewhere.
 */
function unreadVerdict(attestations: AttestationEvidence, settings: Settings): Verdict | null {
  if (attestations.unread === null) return null;
  return {
    status: 'error',
    message: `could not read the attestations of ${attestations.from}: ${attestations.unread}`,
    ...(settings.profile === 'hardened-image' ? { severity: 'error' as const } : {}),
  };
}

const CLASSIC_STORE =
  "the reference names an image manifest alone, which carries no attestation: what the classic image store pushes (push from the build, build-push-action with provenance and sbom, or from the containerd image store), or one platform's manifest of an index (name the index's tag or digest)";

/** Where attestations are looked for, said when none is found. */
const LOOKED_IN =
  "BuildKit's attestation manifests in the image's index are read; attestations stored as OCI referrers (actions/attest with push-to-registry) or by cosign attest are not";

export const checkProvenanceAttached = defineCheck({
  id: 'HARD-SUPPLY-003',
  category: 'supply',
  severity: 'warning',
  title: 'Provenance is attached',
  proves:
    "With check-attestations: the image carries a SLSA provenance attestation (v0.2 or v1, as BuildKit writes it) for its platform — read from its registry for an image named by reference, from the build's own output (before any push) for an image this run built; its mode (max records every build step), builder and source are reported. A build on the classic image store, which cannot hold attestations, fails with that reason.",
  why: 'Provenance says how, from what and by which builder an image was made: what an admission policy or an auditor checks before trusting it.',
  threshold: 'check-attestations: true (off by default); an error in profile hardened-image',
  remediation:
    'Build with provenance (`provenance: mode=max` here or in build-push-action, or `docker buildx build --provenance=mode=max --push`), from a builder that can attach it (a docker-container builder, or the containerd image store).',
  needs: ['attestations'],
  run({ attestations }, { settings }) {
    const unread = unreadVerdict(attestations, settings);
    if (unread) return unread;
    const { provenance } = attestations;
    if (!provenance) return missingAttestation('provenance', attestations, settings);
    const source = provenance.source
      ? `, source ${displayedRepository(provenance.source.uri)}${provenance.source.revision ? `@${provenance.source.revision}` : ''}`
      : ', no source recorded';
    const builder = provenance.builderId ? `, builder ${provenance.builderId}` : '';
    return {
      status: 'pass',
      message: `${provenance.predicateType} (mode ${provenance.mode})${builder}${source}`,
      measured: { predicateType: provenance.predicateType, mode: provenance.mode },
    };
  },
});

export const checkSbomAttached = defineCheck({
  id: 'HARD-SUPPLY-004',
  category: 'supply',
  severity: 'warning',
  title: 'An SBOM is attached',
  proves:
    "With check-attestations: the image carries an SBOM attestation (SPDX, as BuildKit's generator writes it, or CycloneDX) for its platform, read as the provenance is; its format and package count are reported. A build whose SBOM generator image could not be pulled fails with that reason (the image is still built and proven).",
  why: 'An SBOM lists what the image contains, so that a vulnerability announced tomorrow can be looked up in images already deployed.',
  threshold: 'check-attestations: true (off by default); an error in profile hardened-image',
  remediation:
    'Build with an SBOM (`sbom: true` here or in build-push-action, or `docker buildx build --sbom=true --push`); BuildKit runs its SBOM generator as an image (docker/buildkit-syft-scanner), which the builder must be able to pull.',
  needs: ['attestations'],
  run({ attestations }, { settings }) {
    const unread = unreadVerdict(attestations, settings);
    if (unread) return unread;
    const { sbom } = attestations;
    if (!sbom) return missingAttestation('SBOM', attestations, settings);
    const packages =
      sbom.packages === null
        ? ' (its package count is not read: imagetools decodes SPDX only)'
        : `, ${sbom.packages} package${sbom.packages === 1 ? '' : 's'}`;
    return {
      status: 'pass',
      message: `${sbom.format}${packages}`,
      measured: { format: sbom.format, packages: sbom.packages },
    };
  },
});

export const checkProvenanceSource = defineCheck({
  id: 'HARD-SUPPLY-005',
  category: 'supply',
  severity: 'error',
  title: 'The provenance names the expected source repository',
  proves:
    "With check-attestations and expected-source: the image's provenance names that repository as its source — the git context BuildKit fetched itself, else the client's vcs:source (a hint BuildKit records unchecked, said as such). The commit it records is reported, and with expected-revision it must be that commit.",
  why: 'An image whose provenance names another repository was built from other code than yours: a swapped image, or a registry path someone else pushes to.',
  threshold: "expected-source (default: the GitHub Actions run's repository); expected-revision (default: not judged)",
  remediation:
    "Push this repository's image from this repository's workflow (build-push-action sets the source), or correct expected-source when the image is meant to come from elsewhere.",
  needs: ['attestations'],
  run({ attestations }, { settings }) {
    const expected = settings.expectedSource || attestations.runRepository;
    if (!expected)
      return { status: 'skip', message: 'expected-source is not set (and no GitHub Actions run names one)' };
    if (attestations.unread) return { status: 'skip', message: 'the provenance could not be read (HARD-SUPPLY-003)' };
    const { provenance } = attestations;
    if (!provenance) return { status: 'skip', message: 'no provenance to read (HARD-SUPPLY-003)' };
    const source = provenance.source;
    if (!source)
      return {
        status: 'fail',
        message: `the provenance records no source repository, so it cannot show the image comes from ${expected}`,
      };
    const hint = source.verified ? '' : ' (the builder client says so; BuildKit does not check it)';
    const commit = source.revision ? ` at ${source.revision}` : '';
    const shown = displayedRepository(source.uri);
    const measured = { ...source, uri: shown };
    if (comparableRepository(source.uri) === comparableRepository(expected)) {
      // A full commit id, or its first 7 or more hex digits (checked when the inputs are read).
      const revision = settings.expectedRevision.trim().toLowerCase();
      if (revision && !source.revision?.toLowerCase().startsWith(revision))
        return {
          status: 'fail',
          message: `built from ${shown}${source.revision ? ` at ${source.revision}` : ' at a commit it does not record'}${hint}, not at ${revision} (expected-revision)`,
          measured,
          target: revision,
        };
      return { status: 'pass', message: `built from ${shown}${commit}${hint}`, measured };
    }
    return {
      status: 'fail',
      message: `built from ${shown}${commit}${hint}, not from ${displayedRepository(expected)}`,
      measured,
      target: displayedRepository(expected),
    };
  },
});

export const checkBasePinnedInProvenance = defineCheck({
  id: 'HARD-SUPPLY-006',
  category: 'supply',
  severity: 'error',
  title: 'Base images are pinned by digest, and the provenance records that digest where it is read',
  proves:
    "With check-attestations and the image's Dockerfile: every external image the stages built start from or copy from is pinned by digest (`@sha256:`) and, where the image's provenance was read, the provenance records that very digest for that image among its materials: the image was built from the bytes the Dockerfile names. Where no provenance was read, the message says why and only the pin is judged. Judged on each line that names an image.",
  why: 'A tag moves; a digest does not. And a digest in the Dockerfile proves nothing about an image built from another: the provenance says what the build actually resolved.',
  threshold: 'check-attestations: true (off by default)',
  remediation:
    'Pin each base by digest (`FROM node:22.11-bookworm-slim@sha256:…`, kept current by Renovate or Dependabot), and build the released image from that Dockerfile.',
  needs: ['dockerfile'],
  run({ dockerfile }, { settings, evidence }) {
    // Judged with check-attestations (the hardened-image profile sets it); the provenance when it
    // was read, else the pins alone.
    if (!settings.checkAttestations) return { status: 'skip', message: 'check-attestations is off' };
    const stages = new Set(built(dockerfile).map((stage) => stage.index));
    const uses = dockerfile.images.filter((use) => stages.has(use.stage));
    if (uses.length === 0) return { status: 'pass', message: 'the stages built use no external image' };
    const read = evidence.attestations;
    if (read.state === 'failed')
      return { status: 'error', message: `could not collect attestations evidence: ${read.error}` };
    const provenance = read.state === 'collected' ? read.value.provenance : null;
    const unread =
      read.state === 'skipped'
        ? read.reason
        : read.value.unread
          ? 'it could not be read (HARD-SUPPLY-003)'
          : 'no provenance to compare it with (HARD-SUPPLY-003)';
    return uses.map((use): Verdict => {
      const location = { location: { file: dockerfile.path, line: use.line } };
      if (use.reference === '' || use.unresolved.length > 0)
        return { status: 'skip', message: `${use.raw}: set by a build argument without a value`, ...location };
      const pinned = /@(sha256:[0-9a-f]{64})$/.exec(use.reference)?.[1];
      if (!pinned)
        return { status: 'fail', message: `${use.reference} is pinned by tag only, not by digest`, ...location };
      if (!provenance)
        return { status: 'pass', message: `${use.reference} is pinned by digest (provenance: ${unread})`, ...location };
      // The same image by the same digest: a digest recorded for another image proves nothing here.
      const name = comparableImageName(parseImageReference(use.reference).name);
      const recorded = provenance.images.filter((image) => comparableImageName(image.name) === name);
      if (recorded.some((image) => image.digest === pinned))
        return { status: 'pass', message: `${use.reference}: the provenance records this digest`, ...location };
      const instead =
        recorded.length > 0
          ? `it records ${recorded.map((image) => `${image.name}@${image.digest}`).join(', ')}`
          : 'it records no such image';
      // Judged only when this checkout is the commit the image was built from: a release checked
      // again after its Dockerfile's pins moved on was built from the Dockerfile of its own commit.
      // This run's own build was built from this very Dockerfile.
      const built = provenance.source?.revision ?? null;
      const checkout = read.state === 'collected' ? read.value.checkoutRevision : null;
      const ownBuild = read.state === 'collected' && read.value.built;
      if (!ownBuild && (!built || !checkout || built !== checkout))
        return {
          status: 'skip',
          message: `${use.reference}: the provenance does not record this digest (${instead}), but the image was built from ${built ? `commit ${built}` : 'a commit it does not record'} and this checkout is ${checkout ? `commit ${checkout}` : 'of no known commit (GITHUB_SHA)'}: its Dockerfile may have pinned another`,
          ...location,
        };
      return {
        status: 'fail',
        message: `${use.reference}: the provenance does not record this digest (${instead}): the image was not built from the base this Dockerfile pins`,
        ...location,
      };
    });
  },
});
