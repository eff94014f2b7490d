import { createHash } from 'node:crypto';
import { runDocker } from './cli.js';

// An image's attestations as its registry holds them, read with `docker buildx imagetools
// inspect`: it speaks to any registry with the credentials of `docker login` (and plain HTTP to
// a registry on localhost), so nothing here handles a token. BuildKit stores attestations as
// manifests of the image's index, marked `vnd.docker.reference.type: attestation-manifest`, whose
// layers are in-toto statements, each annotated with its predicate type.

interface Descriptor {
  mediaType?: string;
  digest: string;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

interface Document {
  mediaType?: string;
  manifests?: Descriptor[];
  layers?: Descriptor[];
}

export interface RegistryAttestations {
  /** The reference read (`ghcr.io/org/app:1.4`). */
  reference: string;
  /** An index (which can carry attestations), or an image manifest alone (which cannot). */
  index: boolean;
  /** The predicate types of the attestations of the platform's image. */
  predicateTypes: string[];
  /** The provenance and SBOM predicates, as imagetools decodes them (null: none). */
  provenance: unknown;
  sbom: unknown;
}

export class RegistryReadError extends Error {}

async function inspect(args: string[], signal?: AbortSignal): Promise<string> {
  const result = await runDocker(['buildx', 'imagetools', 'inspect', ...args], signal ? { signal } : {});
  if (result.code !== 0) {
    const said = result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit code ${result.code}`;
    throw new RegistryReadError(said.replace(/^ERROR:\s*/, ''));
  }
  return result.stdout;
}

/**
 * A platform as containerd normalises it, which is how imagetools keys its decoded attestations:
 * `linux/x86_64` → `linux/amd64`, `linux/arm64/v8` → `linux/arm64`, `linux/arm` → `linux/arm/v7`.
 */
export function normalisePlatform(platform: string): string {
  const [os = 'linux', rawArchitecture = '', rawVariant = ''] = platform.toLowerCase().split('/');
  const architecture =
    { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386' }[
      rawArchitecture
    ] ?? rawArchitecture;
  let variant = rawVariant;
  if (architecture === 'arm64' && variant === 'v8') variant = '';
  if (architecture === 'amd64' && variant === 'v1') variant = '';
  if (architecture === 'arm' && variant === '') variant = rawArchitecture === 'armel' ? 'v6' : 'v7';
  return [os, architecture, ...(variant ? [variant] : [])].join('/');
}

function platformOf(descriptor: Descriptor): string {
  const { os = '', architecture = '', variant = '' } = descriptor.platform ?? {};
  return normalisePlatform([os, architecture, ...(variant ? [variant] : [])].join('/'));
}

/** Reads the attestations of `reference`'s image for `platform` (`linux/amd64`). */
export async function readRegistryAttestations(
  reference: string,
  platform: string,
  signal?: AbortSignal,
): Promise<RegistryAttestations> {
  const top = JSON.parse(await inspect(['--raw', reference], signal)) as Document;
  if (!top.manifests) return { reference, index: false, predicateTypes: [], provenance: null, sbom: null };
  const wanted = normalisePlatform(platform);
  const images = top.manifests.filter(
    (entry) => entry.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest',
  );
  // Only the platform's own image: another platform's attestations say nothing of this one.
  const image = images.find((entry) => platformOf(entry) === wanted);
  if (!image)
    throw new RegistryReadError(
      `${reference} holds no image for ${wanted} (it holds ${images.map(platformOf).join(', ') || 'none'})`,
    );
  const attestation = top.manifests.find(
    (entry) =>
      entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' &&
      entry.annotations['vnd.docker.reference.digest'] === image.digest,
  );
  if (!attestation) return { reference, index: true, predicateTypes: [], provenance: null, sbom: null };
  const repository = reference.replace(/@sha256:[0-9a-f]{64}$/, '').replace(/:[^:/]+$/, '');
  const manifest = JSON.parse(await inspect(['--raw', `${repository}@${attestation.digest}`], signal)) as Document;
  const predicateTypes = (manifest.layers ?? [])
    .map((layer) => layer.annotations?.['in-toto.io/predicate-type'])
    .filter((type): type is string => typeof type === 'string');
  // imagetools decodes the provenance and the SPDX SBOM itself: the entry itself for an index of
  // one platform, else one entry per platform, keyed as normalised above.
  const decoded = async (field: 'Provenance' | 'SBOM', key: string): Promise<unknown> => {
    const value = JSON.parse(await inspect([reference, '--format', `{{json .${field}}}`], signal)) as Record<
      string,
      Record<string, unknown> | undefined
    >;
    const entry = key in value ? (images.length === 1 ? (value as Record<string, unknown>) : undefined) : value[wanted];
    if (!entry) throw new RegistryReadError(`docker buildx imagetools gave no ${field} for ${wanted} of ${reference}`);
    return entry[key] ?? null;
  };
  return {
    reference,
    index: true,
    predicateTypes,
    provenance: predicateTypes.some((type) => type.startsWith('https://slsa.dev/provenance/'))
      ? await decoded('Provenance', 'SLSA')
      : null,
    sbom: predicateTypes.includes('https://spdx.dev/Document') ? await decoded('SBOM', 'SPDX') : null,
  };
}

/** One image of a reference: its platform (normalised, `linux/arm64`) and its manifest's digest. */
export interface PlatformImage {
  platform: string;
  digest: string;
}

/** What a reference names in its registry: an index of images, one per platform, or one image alone. */
export interface ImagePlatforms {
  reference: string;
  /** The digest the reference resolved to when read (its index's, or its one manifest's). */
  digest: string;
  index: boolean;
  images: PlatformImage[];
}

/**
 * The images of an index (an OCI index or a Docker manifest list), one per platform: its
 * attestation manifests (and anything of platform `unknown/unknown`) are not images; of two
 * entries for one platform, the first, as a pull would choose.
 */
export function indexImages(manifests: Descriptor[]): PlatformImage[] {
  const images: PlatformImage[] = [];
  for (const entry of manifests) {
    if (entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
    if (!entry.platform?.os || entry.platform.os === 'unknown' || !entry.platform.architecture) continue;
    const platform = platformOf(entry);
    if (!images.some((image) => image.platform === platform)) images.push({ platform, digest: entry.digest });
  }
  return images;
}

/**
 * The platforms `reference` holds in its registry, each with its manifest digest: an index's
 * entries, or a single image's own platform (read from its config) and digest.
 */
export async function readImagePlatforms(reference: string, signal?: AbortSignal): Promise<ImagePlatforms> {
  const raw = await inspect(['--raw', reference], signal);
  const top = JSON.parse(raw) as Document;
  // --raw prints the registry's bytes as they are: their sha256 is the digest the tag resolved to.
  if (top.manifests)
    return {
      reference,
      digest: `sha256:${createHash('sha256').update(raw, 'utf8').digest('hex')}`,
      index: true,
      images: indexImages(top.manifests),
    };
  const one = JSON.parse(
    // Only the platform of its config: the whole config (its history) may be longer than the output kept.
    await inspect(
      [
        reference,
        '--format',
        '{"manifest":{{json .Manifest}},"image":{"os":{{json .Image.OS}},"architecture":{{json .Image.Architecture}},"variant":{{json .Image.Variant}}}}',
      ],
      signal,
    ),
  ) as { manifest?: { digest?: string }; image?: { os?: string; architecture?: string; variant?: string } };
  const digest = one.manifest?.digest;
  if (!digest || !one.image?.architecture)
    throw new RegistryReadError(`docker buildx imagetools gave no digest or platform for ${reference}`);
  return {
    reference,
    digest,
    index: false,
    images: [{ platform: platformOf({ digest, platform: one.image }), digest }],
  };
}
