// Which members of an image archive are the image's layers (bottom first) and its config. Two
// formats reach us from `GET /images/{name}/get`:
//   - the Docker archive (overlay2 store, every engine version): manifest.json names the members,
//     `<id>/layer.tar` (Engine ≤ 24) or `blobs/sha256/<digest>` (Engine ≥ 25), uncompressed;
//   - the OCI layout (containerd image store): index.json → an index → image manifests, blobs as
//     the store keeps them (gzip or zstd compressed), in no particular order; an index built by
//     BuildKit also lists attestation manifests (provenance), which are not the image.
// The containerd store writes manifest.json as well; either way the manifest's own layer
// descriptors are read when present, because they carry the stored (compressed) sizes.

export interface LayerRef {
  /** Member name in the archive. */
  member: string;
  /** As the manifest states it (OCI only): bytes stored, media type. */
  storedBytes: number | null;
  mediaType: string | null;
}

export interface ArchiveManifest {
  format: 'docker-archive' | 'oci-layout';
  layers: LayerRef[];
  config: string;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

interface OciDocument {
  mediaType?: string;
  manifests?: Descriptor[];
  layers?: Descriptor[];
  config?: Descriptor;
}

export function blobMember(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

/** `platform`: the image's own os/architecture, to pick its manifest out of a multi-platform index. */
export function readArchiveManifest(
  json: ReadonlyMap<string, Buffer>,
  platform?: { os: string; architecture: string },
): ArchiveManifest {
  const oci = json.has('index.json') ? ociManifest(json, platform) : null;
  const docker = json.get('manifest.json');
  if (docker) {
    const parsed = JSON.parse(docker.toString('utf8')) as { Layers?: string[]; Config?: string }[];
    const first = parsed[0];
    if (!first || !Array.isArray(first.Layers) || !first.Config)
      throw new Error('the image archive manifest lists no layers');
    // The same layers as the OCI manifest, when both are there: keep the OCI descriptors' sizes.
    if (oci && oci.config === first.Config && oci.layers.map((layer) => layer.member).join() === first.Layers.join())
      return oci;
    return {
      format: 'docker-archive',
      config: first.Config,
      layers: first.Layers.map((member) => ({ member, storedBytes: null, mediaType: null })),
    };
  }
  if (!oci) throw new Error('the image archive has neither manifest.json nor index.json');
  return oci;
}

function ociManifest(
  json: ReadonlyMap<string, Buffer>,
  platform?: { os: string; architecture: string },
): ArchiveManifest {
  const read = (digest: string): OciDocument | null => {
    const blob = json.get(blobMember(digest));
    return blob ? (JSON.parse(blob.toString('utf8')) as OciDocument) : null;
  };
  let candidates = (JSON.parse(json.get('index.json')!.toString('utf8')) as OciDocument).manifests ?? [];
  // An index may point at further indexes (multi-platform): follow them to an image manifest.
  for (let depth = 0; depth < 4; depth++) {
    const chosen = chooseManifest(candidates, platform);
    if (!chosen) break;
    const document = read(chosen.digest);
    if (!document) break;
    if (document.layers && document.config) {
      return {
        format: 'oci-layout',
        config: blobMember(document.config.digest),
        layers: document.layers.map((layer) => ({
          member: blobMember(layer.digest),
          storedBytes: layer.size ?? null,
          mediaType: layer.mediaType ?? null,
        })),
      };
    }
    candidates = document.manifests ?? [];
  }
  throw new Error("the image archive's OCI index does not lead to an image manifest");
}

/** The image's manifest among an index's entries: never an attestation; the platform's when known. */
function chooseManifest(
  manifests: Descriptor[],
  platform?: { os: string; architecture: string },
): Descriptor | undefined {
  const images = manifests.filter(
    (descriptor) =>
      descriptor.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest' &&
      descriptor.platform?.os !== 'unknown',
  );
  const matching = platform
    ? images.find(
        (descriptor) =>
          descriptor.platform?.os === platform.os && descriptor.platform.architecture === platform.architecture,
      )
    : undefined;
  return matching ?? images[0];
}
