import { normalisePlatform, type ImagePlatforms, type PlatformImage } from '../docker/imagetools.js';
import { isPullable } from '../docker/pull.js';
import type { ImagePlatform, TargetRequest } from '../request.js';
import { errorMessage } from '../util/errors.js';
import { parseImageReference } from '../util/image-reference.js';

// An image named by registry reference (`image:`) and proven for several platforms (`platforms`):
// its index is read from the registry once, in the plan (docker buildx imagetools, with the
// user's docker login), and each platform asked for is a target of its own whose image is that
// platform's manifest, pinned by digest (`repo@sha256:…`). Pulled by digest, it is one image of
// one platform with an ID of its own on either image store (the containerd store holds a pulled
// multi-platform tag as one index, one ID for every platform), so everything after the pull
// (inspect, sizes, files, the run, emulation) is as for any image. A platform the reference has
// no image of is not proven, and says so in every check that needed its image.

/** The resolved platform of an image target, when the request's image is the one the plan resolved. */
export function imagePlatformOf(request: TargetRequest): ImagePlatform | null {
  const resolved = request.imagePlatform;
  if (!resolved || request.source.kind !== 'image' || request.source.image !== resolved.image) return null;
  return resolved;
}

/**
 * The image of `wanted` the reference holds, or null: `linux/arm64` is `linux/arm64/v8`, `linux/amd64`
 * the variant-less amd64 (not `linux/amd64/v3`), `linux/arm` `linux/arm/v7`.
 */
export function platformImage(platforms: ImagePlatforms, wanted: string): PlatformImage | null {
  const normal = normalisePlatform(wanted);
  return platforms.images.find((image) => normalisePlatform(image.platform) === normal) ?? null;
}

/** Why `wanted` is not proven for a reference that holds no image of it. */
export function missingPlatformReason(platforms: ImagePlatforms, wanted: string): string {
  const has = platforms.images.map((image) => image.platform).join(', ') || 'none';
  return platforms.index
    ? `${platforms.reference} has no ${normalisePlatform(wanted)} variant (it has: ${has})`
    : `${platforms.reference} is a single-platform image, not an index: it has no ${normalisePlatform(wanted)} variant (it has: ${has})`;
}

/** A reference's repository, its tag and digest dropped (`127.0.0.1:5000/app:1@sha256:…` → `127.0.0.1:5000/app`). */
function repositoryOf(reference: string): string {
  return parseImageReference(reference).name;
}

/** The platform's image, pinned: `repo@sha256:…`, what is pulled and inspected. */
export function pinnedReference(reference: string, digest: string): string {
  return `${repositoryOf(reference)}@${digest}`;
}

/**
 * How the report names the platform's image: the reference given and the platform's digest
 * (`ghcr.io/org/app:1.4@sha256:…`, a reference Docker reads as that digest). A given digest (the
 * index's) is replaced by the platform's.
 */
export function shownReference(reference: string, digest: string): string {
  const { name, tag } = parseImageReference(reference);
  return `${name}${tag ? `:${tag}` : ''}@${digest}`;
}

/** What the plan resolved for one platform of an image target. */
export function resolvePlatform(platforms: ImagePlatforms, wanted: string): ImagePlatform {
  const image = platformImage(platforms, wanted);
  const pinned = pinnedReference(platforms.reference, platforms.digest);
  if (!image)
    return {
      given: platforms.reference,
      pinned,
      digest: null,
      refused: missingPlatformReason(platforms, wanted),
      image: platforms.reference,
    };
  return {
    given: platforms.reference,
    pinned,
    digest: image.digest,
    refused: null,
    image: pinnedReference(platforms.reference, image.digest),
  };
}

/** What a registry says of a reference: its platforms, or why they are not what is proven. */
export type Lookup = ImagePlatforms | { unread: string };

/** The engine holds another image under the reference than its registry does. */
export class NotTheEnginesImage extends Error {}

/**
 * The registry's image is proven per platform only if it is the engine's too: an image built or
 * tagged here under a pushed name (`docker build -t ghcr.io/org/app:main`, then checked before it
 * is pushed) is not the registry's, and proving the registry's instead would pass the wrong image.
 * `held`: the digests the engine knows its image of the reference by (its ID and RepoDigests), or
 * null when the engine holds none (it would be pulled: the registry's, then). The registry's index,
 * or one of its platforms' images, is the engine's.
 */
export function registryImageIsTheEngines(platforms: ImagePlatforms, held: string[] | null): void {
  if (held === null) return;
  // The index itself, or one of its images (a pull or push of one platform records that one's).
  const known = [platforms.digest, ...platforms.images.map((image) => image.digest)];
  if (held.some((digest) => known.some((one) => digest === one || digest.endsWith(`@${one}`)))) return;
  throw new NotTheEnginesImage(
    `the engine holds another image as ${platforms.reference} than its registry (${platforms.digest.slice(0, 19)}…): built or tagged here, it is not the registry's, whose platforms would be proven in its place`,
  );
}

/**
 * Reads each reference's platforms once, every reference at once (the same reference named by two
 * targets is read once); an image id is not read (it names one image on the engine).
 */
export async function lookUpImagePlatforms(
  references: string[],
  read: (reference: string) => Promise<ImagePlatforms>,
): Promise<Map<string, Lookup>> {
  const unique = [...new Set(references.filter(isPullable))];
  const answers = await Promise.all(
    unique.map((reference) =>
      read(reference).then(
        (platforms): Lookup => platforms,
        (error: unknown): Lookup => ({
          unread:
            error instanceof NotTheEnginesImage
              ? error.message
              : `its registry could not be read (${errorMessage(error).split('\n')[0]})`,
        }),
      ),
    ),
  );
  return new Map(unique.map((reference, index) => [reference, answers[index]]));
}
