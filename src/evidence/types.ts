import type { Settings } from '../inputs/definitions.js';
import type { BuildEvidence } from './build.js';
import type { CacheProbeRecord, RebuildRecord } from './cache.js';
import type { Collected } from './collected.js';
import type { ComposeEvidence } from './compose.js';
import type { ComposeUpRecord } from './compose-up.js';
import type { ContextEvidence } from './context.js';
import type { DockerfileEvidence } from './dockerfile.js';
import type { EngineRecord } from './engine.js';
import type { FilesystemEvidence } from './filesystem.js';
import type { ImageEvidence } from './image.js';
import type { RuntimeEvidence } from './runtime/records.js';
import type { VulnerabilityEvidence } from './vulnerability-findings.js';
import type { SignatureEvidence } from './signatures.js';
import type { AttestationEvidence } from './attestations.js';

/** All evidence of one run; each piece collected, skipped (with reason) or failed (with error). */
export interface EvidenceSet {
  dockerfile: Collected<DockerfileEvidence>;
  context: Collected<ContextEvidence>;
  compose: Collected<ComposeEvidence>;
  /** The engine that built and ran the image: its version, API, image store, buildx. */
  engine: Collected<EngineRecord>;
  build: Collected<BuildEvidence>;
  rebuild: Collected<RebuildRecord>;
  cacheProbe: Collected<CacheProbeRecord>;
  image: Collected<ImageEvidence>;
  filesystem: Collected<FilesystemEvidence>;
  runtime: Collected<RuntimeEvidence>;
  composeUp: Collected<ComposeUpRecord>;
  /** The scanner's reports (Trivy, Grype) on the image and its baseline, when given. */
  vulnerabilities: Collected<VulnerabilityEvidence>;
  /** cosign's verification of the base images' and the image's signatures (verify-signature). */
  signatures: Collected<SignatureEvidence>;
  /** The image's provenance and SBOM attestations, as its registry holds them (check-attestations). */
  attestations: Collected<AttestationEvidence>;
}

export type EvidenceKey = keyof EvidenceSet;

export type EvidenceValue<K extends EvidenceKey> = EvidenceSet[K] extends Collected<infer T> ? T : never;

/** What a check's `run` receives: the evidence it needs, guaranteed collected. */
export type Needed<K extends EvidenceKey> = { [P in K]: EvidenceValue<P> };

export type { Settings };
