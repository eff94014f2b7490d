import { readRegistryAttestations } from '../docker/imagetools.js';
import { readLayoutAttestations } from '../docker/layout-attestations.js';
import {
  isProvenance,
  isSbom,
  summariseProvenance,
  summariseSbom,
  type ProvenanceSummary,
  type SbomSummary,
} from './attestation-documents.js';

// An image's attestations (check-attestations): what its registry holds beside it, or for an
// image this run built, what its build attached (read from the build's own output before any
// push) — the predicate types attached to the platform's image, its provenance and its SBOM,
// summarised for the checks (HARD-SUPPLY-003…006).

export interface AttestationEvidence {
  /** The reference they were read from, or `the image built`. */
  from: string;
  /**
   * Read from this run's own build: its Dockerfile is the one the provenance describes, whatever
   * commit the checkout is.
   */
  built: boolean;
  /** Why the build attached no provenance or no SBOM where one was asked for (a build only). */
  notProduced: { provenance?: string; sbom?: string };
  /**
   * Why a build's attestations could not be read at all (a builder that writes no output of its
   * own here): nothing is known of them, so nothing may be judged as present or absent.
   */
  unread: string | null;
  /**
   * Whether the registry holds an index (which can carry attestations) rather than an image
   * manifest alone: what the classic image store pushes, with no room for any.
   */
  index: boolean;
  predicateTypes: string[];
  provenance: ProvenanceSummary | null;
  sbom: SbomSummary | null;
  /** The repository of the GitHub Actions run that read them, when there is one: expected-source's default. */
  runRepository: string | null;
  /** The commit this run checked out (GITHUB_SHA), when known: is its Dockerfile the one the image was built from? */
  checkoutRevision: string | null;
}

export async function collectRegistryAttestations(
  reference: string,
  platform: string,
  signal?: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AttestationEvidence> {
  const read = await readRegistryAttestations(reference, platform, signal);
  const provenanceType = read.predicateTypes.find(isProvenance);
  const sbomType = read.predicateTypes.find(isSbom);
  // Listed but not decoded: never read as "no provenance".
  if (provenanceType && !read.provenance)
    throw new Error(`${reference}: its ${provenanceType} attestation could not be decoded (docker buildx imagetools)`);
  return {
    from: reference,
    built: false,
    notProduced: {},
    unread: null,
    index: read.index,
    predicateTypes: read.predicateTypes,
    provenance: provenanceType ? summariseProvenance(provenanceType, read.provenance) : null,
    // imagetools decodes SPDX only: another format is known by its type, its contents unread.
    sbom: sbomType ? summariseSbom(sbomType, read.sbom) : null,
    ...runContext(env),
  };
}

/** What this run's build attached to the image, from the layout it wrote (before any push). */
export async function collectBuildAttestations(
  layout: { dir: string; configDigest: string },
  notProduced: AttestationEvidence['notProduced'],
  env: NodeJS.ProcessEnv = process.env,
): Promise<AttestationEvidence> {
  const read = await readLayoutAttestations(layout.dir, layout.configDigest);
  const provenance = read.statements.find((statement) => isProvenance(statement.predicateType));
  const sbom = read.statements.find((statement) => isSbom(statement.predicateType));
  return {
    from: 'the image built',
    built: true,
    notProduced,
    unread: null,
    index: read.index,
    predicateTypes: read.statements.map((statement) => statement.predicateType),
    provenance: provenance ? summariseProvenance(provenance.predicateType, provenance.predicate) : null,
    sbom: sbom ? summariseSbom(sbom.predicateType, sbom.predicate) : null,
    ...runContext(env),
  };
}

/**
 * A build that cannot carry attestations (the classic image store): nothing attached, and why —
 * the checks fail with the reason, as the image pushed from here would have none either.
 */
export function unattestedBuild(reason: string, env: NodeJS.ProcessEnv = process.env): AttestationEvidence {
  return {
    from: 'the image built',
    built: true,
    notProduced: { provenance: reason, sbom: reason },
    unread: null,
    index: false,
    predicateTypes: [],
    provenance: null,
    sbom: null,
    ...runContext(env),
  };
}

/** A build whose attestations were asked for but cannot be read here: why, and nothing else. */
export function unreadBuild(reason: string, env: NodeJS.ProcessEnv = process.env): AttestationEvidence {
  return {
    from: 'the image built',
    built: true,
    notProduced: {},
    unread: reason,
    index: false,
    predicateTypes: [],
    provenance: null,
    sbom: null,
    ...runContext(env),
  };
}

function runContext(env: NodeJS.ProcessEnv): Pick<AttestationEvidence, 'runRepository' | 'checkoutRevision'> {
  return {
    runRepository: env.GITHUB_REPOSITORY
      ? `${(env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}`
      : null,
    checkoutRevision: env.GITHUB_SHA || null,
  };
}
