import { readRegistryAttestations } from '../docker/imagetools.js';
import {
  isProvenance,
  isSbom,
  summariseProvenance,
  summariseSbom,
  type ProvenanceSummary,
  type SbomSummary,
} from './attestation-documents.js';

// An image's attestations (check-attestations): what its registry holds beside it — the
// predicate types attached to the platform's image, its provenance and its SBOM, summarised for
// the checks (HARD-SUPPLY-003…006).

export interface AttestationEvidence {
  /** The reference they were read from. */
  from: string;
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
    index: read.index,
    predicateTypes: read.predicateTypes,
    provenance: provenanceType ? summariseProvenance(provenanceType, read.provenance) : null,
    // imagetools decodes SPDX only: another format is known by its type, its contents unread.
    sbom: sbomType ? summariseSbom(sbomType, read.sbom) : null,
    runRepository: env.GITHUB_REPOSITORY
      ? `${(env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}`
      : null,
    checkoutRevision: env.GITHUB_SHA || null,
  };
}
