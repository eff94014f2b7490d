import type { BuildInputs } from '../docker/buildx.js';
import { collectBuildAttestations, unattestedBuild, unreadBuild } from '../evidence/attestations.js';
import { attempt, collected } from '../evidence/collected.js';
import type { EvidenceSet } from '../evidence/types.js';

// A build's provenance, SBOM and OCI annotations (`provenance`, `sbom`, `image-annotations`):
// what this engine's store can hold, and what the build attached, read before anything is pushed
// (check-attestations).

/** Said wherever a build on the classic image store was asked for attestations. */
export const CLASSIC_STORE_ATTESTATIONS =
  "the classic image store cannot hold attestations (they live in an image index, which it does not store), so the image was built without them: turn on the containerd image store (the engine's containerd-snapshotter feature; docker/setup-docker-action's daemon-config in a workflow)";

/** Said wherever a build on the classic image store was given image-annotations. */
export const CLASSIC_STORE_ANNOTATIONS =
  "the classic image store keeps no manifest to annotate, so the image was built without them and is pushed without them: turn on the containerd image store (the engine's containerd-snapshotter feature)";

export interface AttestationPlan {
  /** The build inputs as buildx gets them. */
  inputs: BuildInputs;
  /** Why what `provenance` or `sbom` asked for cannot be attached here; null when nothing was refused. */
  refused: string | null;
  /** Why `image-annotations` cannot be carried here; null when none was refused. */
  annotationsRefused: string | null;
}

/**
 * On the classic store, buildx refuses any attestation with --load, so none is passed (an explicit
 * `false` neither: an older buildx knows no such flag) and the refusal is the run's to say; nor
 * are annotations, which it would drop without a word. On
 * the containerd store, where the build's layout is read, provenance not set is asked for by flag
 * as buildx's default (mode=min) would attach it: only then does BuildKit write it into the layout.
 */
export function planAttestations(
  inputs: BuildInputs,
  engine: { containerdStore: boolean; readsLayout: boolean; checkAttestations: boolean },
): AttestationPlan {
  const asked = (value: string | null): boolean => value !== null && value !== 'false';
  if (!engine.containerdStore)
    return {
      inputs: { ...inputs, provenance: null, sbom: null, annotations: [] },
      refused: asked(inputs.provenance) || asked(inputs.sbom) ? CLASSIC_STORE_ATTESTATIONS : null,
      annotationsRefused: inputs.annotations.length > 0 ? CLASSIC_STORE_ANNOTATIONS : null,
    };
  if (engine.checkAttestations && engine.readsLayout && inputs.provenance === null)
    return { inputs: { ...inputs, provenance: 'mode=min' }, refused: null, annotationsRefused: null };
  return { inputs, refused: null, annotationsRefused: null };
}

/** What check-attestations reads of a build: its own layout, or why there is nothing to read. */
export async function buildAttestations(
  built: { layout: { dir: string; configDigest: string } | null; sbomNotProduced?: string },
  engine: { containerdStore: boolean },
  signal?: AbortSignal,
): Promise<EvidenceSet['attestations']> {
  if (!engine.containerdStore) return collected(unattestedBuild(CLASSIC_STORE_ATTESTATIONS));
  const { layout } = built;
  // Asked for and unreadable: said as such, never as present or absent (HARD-SUPPLY-003/004 end in
  // an error, one that gates under hardened-image).
  if (!layout)
    return collected(
      unreadBuild(
        "the build's attestations are read from the layout the engine's own builder writes beside the image (the docker driver of Engine ≥ 26 with buildx ≥ 0.13, one platform), and this build wrote none it could read: build with the engine's own builder, or check the pushed image by reference (image:) instead",
      ),
    );
  const notProduced = built.sbomNotProduced ? { sbom: built.sbomNotProduced } : {};
  return attempt(() => collectBuildAttestations(layout, notProduced), signal);
}
