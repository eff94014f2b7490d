import { indexImages, type ImagePlatforms } from '../../src/docker/imagetools.js';
import { resolveOptions } from '../../src/inputs/resolve.js';
import {
  imagePlatformOf,
  lookUpImagePlatforms,
  missingPlatformReason,
  pinnedReference,
  platformImage,
  resolvePlatform,
  shownReference,
} from '../../src/run/image-platforms.js';
import type { TargetRequest } from '../../src/request.js';
import { planTargets } from '../../src/run/plan.js';
import { scratchTree } from '../helpers/scratch.js';

// An image named by registry reference, proven for several platforms: each platform its index
// holds is a target of its own, its image pinned by digest; one it does not hold is not proven.

const D = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const REF = 'registry.example.com/org/app:1.4';

const INDEX: ImagePlatforms = {
  reference: REF,
  digest: D(9),
  index: true,
  images: indexImages([
    { digest: D(1), platform: { os: 'linux', architecture: 'amd64' } },
    { digest: D(2), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { digest: D(3), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { digest: D(4), platform: { os: 'linux', architecture: 'amd64', variant: 'v3' } },
    // An attestation manifest, and anything of an unknown platform: not images.
    {
      digest: D(5),
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': D(1) },
    },
    { digest: D(6) },
    // A second entry for one platform: the first is the one a pull takes.
    { digest: D(7), platform: { os: 'linux', architecture: 'amd64' } },
  ]),
};

describe('indexImages: an index as its images, one per platform', () => {
  it('keeps each platform once, normalised, and leaves out attestation manifests', () => {
    expect(INDEX.images).toEqual([
      { platform: 'linux/amd64', digest: D(1) },
      { platform: 'linux/arm64', digest: D(2) },
      { platform: 'linux/arm/v7', digest: D(3) },
      { platform: 'linux/amd64/v3', digest: D(4) },
    ]);
  });
});

describe('platformImage: which image of the index a platform asked for is', () => {
  it.each([
    ['linux/amd64', D(1)],
    ['linux/amd64/v1', D(1)],
    ['linux/arm64', D(2)],
    ['linux/arm64/v8', D(2)],
    ['linux/arm', D(3)],
    ['linux/arm/v7', D(3)],
    ['linux/amd64/v3', D(4)],
  ])('%s is %s', (asked, digest) => {
    expect(platformImage(INDEX, asked)?.digest).toBe(digest);
  });

  it.each(['linux/s390x', 'linux/arm/v6', 'linux/amd64/v2', 'windows/amd64'])('%s is none', (asked) => {
    expect(platformImage(INDEX, asked)).toBeNull();
  });
});

describe('not proven: a platform the reference has no image of', () => {
  it('names the variants an index has', () => {
    expect(missingPlatformReason(INDEX, 'linux/s390x')).toBe(
      `${REF} has no linux/s390x variant (it has: linux/amd64, linux/arm64, linux/arm/v7, linux/amd64/v3)`,
    );
  });

  it('says a single image is of one platform', () => {
    const one: ImagePlatforms = {
      reference: REF,
      digest: D(1),
      index: false,
      images: [{ platform: 'linux/amd64', digest: D(1) }],
    };
    expect(missingPlatformReason(one, 'linux/arm64/v8')).toBe(
      `${REF} is a single-platform image, not an index: it has no linux/arm64 variant (it has: linux/amd64)`,
    );
    expect(resolvePlatform(one, 'linux/amd64')).toEqual({
      given: REF,
      pinned: `registry.example.com/org/app@${D(1)}`,
      digest: D(1),
      refused: null,
      image: `registry.example.com/org/app@${D(1)}`,
    });
    expect(resolvePlatform(one, 'linux/arm64')).toMatchObject({ digest: null, image: REF });
  });
});

describe('the references of one platform', () => {
  it.each([
    [REF, `registry.example.com/org/app@${D(2)}`, `${REF}@${D(2)}`],
    ['localhost:5000/app', `localhost:5000/app@${D(2)}`, `localhost:5000/app@${D(2)}`],
    [`localhost:5000/app@${D(9)}`, `localhost:5000/app@${D(2)}`, `localhost:5000/app@${D(2)}`],
    [`nginx:1.27@${D(9)}`, `nginx@${D(2)}`, `nginx:1.27@${D(2)}`],
  ])('%s: pulled as %s, named %s', (given, pinned, shown) => {
    expect(pinnedReference(given, D(2))).toBe(pinned);
    expect(shownReference(given, D(2))).toBe(shown);
  });
});

describe('lookUpImagePlatforms: each reference read once, all at once', () => {
  it('reads a reference named twice once, an image id never, and keeps why one could not be read', async () => {
    const asked: string[] = [];
    const read = (reference: string): Promise<ImagePlatforms> => {
      asked.push(reference);
      return reference === 'gone:1'
        ? Promise.reject(new Error('gone:1: not found\nmore'))
        : Promise.resolve({ ...INDEX, reference });
    };
    const found = await lookUpImagePlatforms([REF, 'gone:1', REF, 'sha256:' + 'a'.repeat(64)], read);
    expect(asked).toEqual([REF, 'gone:1']);
    expect(found.get('gone:1')).toEqual({ unread: 'its registry could not be read (gone:1: not found)' });
    expect(found.get(REF)).toMatchObject({ reference: REF, index: true });
  });
});

describe('the plan of an image for several platforms', () => {
  const root = (): string => scratchTree('image-platforms', { 'README.md': '' });
  const here = () => Promise.resolve({ native: 'linux/amd64', buildable: ['linux/amd64', 'linux/arm64'] });

  it('makes one target per platform, pinned by digest, the engine’s own first, as a build’s', async () => {
    const options = await resolveOptions({ image: REF, platforms: 'linux/arm64/v8,linux/s390x,linux/amd64' }, root());
    const read: string[] = [];
    const plan = await planTargets(options, {
      platformsHere: here,
      imagePlatforms: (reference) => {
        read.push(reference);
        return Promise.resolve(INDEX);
      },
    });
    expect(read).toEqual([REF]);
    expect(plan.notes.filter((note) => note.includes('platforms'))).toEqual([]);
    const targets = plan.targets;
    expect(targets.map((target) => [target.name, target.scope, target.platform, target.collect.platform])).toEqual([
      [`${REF} (linux/amd64)`, '1-linux-amd64', { name: 'linux/amd64', first: 'linux/amd64', of: REF }, 'linux/amd64'],
      [`${REF} (linux/arm64)`, '1-linux-arm64', { name: 'linux/arm64', first: 'linux/amd64', of: REF }, 'linux/arm64'],
      // Not proven, so not run: no platform the run would count as emulated.
      [`${REF} (linux/s390x)`, '1-linux-s390x', { name: 'linux/s390x', first: 'linux/amd64', of: REF }, ''],
    ]);
    expect(targets.map((target) => target.source.kind === 'image' && target.source.image)).toEqual([
      `registry.example.com/org/app@${D(1)}`,
      `registry.example.com/org/app@${D(2)}`,
      REF,
    ]);
    expect(targets.map((target) => imagePlatformOf(target)?.refused ?? null)).toEqual([
      null,
      null,
      `${REF} has no linux/s390x variant (it has: linux/amd64, linux/arm64, linux/arm/v7, linux/amd64/v3)`,
    ]);
    // Attestations and signatures: read from the index the tag resolved to in the plan, not the tag.
    expect(targets.map((target) => imagePlatformOf(target)?.pinned)).toEqual([
      `registry.example.com/org/app@${D(9)}`,
      `registry.example.com/org/app@${D(9)}`,
      `registry.example.com/org/app@${D(9)}`,
    ]);
    // A request derived with another image (a baseline) is not the platform's.
    const derived = { ...targets[0], source: { ...targets[0].source, image: 'other:1' } } as TargetRequest;
    expect(imagePlatformOf(derived)).toBeNull();
  });

  it('is the principal the first the index has, when it has not the engine’s own', async () => {
    const options = await resolveOptions({ image: REF, platforms: 'linux/s390x,linux/riscv64,linux/arm64' }, root());
    const plan = await planTargets(options, { platformsHere: here, imagePlatforms: () => Promise.resolve(INDEX) });
    expect(plan.targets.map((target) => target.platform?.name)).toEqual([
      'linux/arm64',
      'linux/s390x',
      'linux/riscv64',
    ]);
  });

  it('is not the engine’s own platform when the index has no image of it', async () => {
    const options = await resolveOptions({ image: REF, platforms: 'linux/amd64,linux/arm64' }, root());
    const arm64Only: ImagePlatforms = { ...INDEX, images: [{ platform: 'linux/arm64', digest: D(2) }] };
    const plan = await planTargets(options, { platformsHere: here, imagePlatforms: () => Promise.resolve(arm64Only) });
    expect(plan.targets.map((target) => target.platform?.name)).toEqual(['linux/arm64', 'linux/amd64']);
  });

  it('never proves the registry’s image in place of another the engine holds under the name (built here, not pushed)', async () => {
    const options = await resolveOptions({ image: REF, platforms: 'linux/amd64,linux/arm64' }, root());
    const built = await planTargets(options, {
      platformsHere: here,
      imagePlatforms: () => Promise.resolve(INDEX),
      // Built here: known by its own ID, no registry digest.
      heldImage: () => Promise.resolve([D(7)]),
    });
    expect(built.targets.map((target) => [target.name, target.source.kind === 'image' && target.source.image])).toEqual(
      [[REF, REF]],
    );
    expect(built.notes).toContainEqual(
      expect.stringContaining(
        `not proven for this image: the engine holds another image as ${REF} than its registry (sha256:999999999999…)`,
      ),
    );
    // Pulled (the index's digest) or one platform of it pushed or pulled: the registry's, proven per platform.
    for (const held of [[D(7), `registry.example.com/org/app@${D(9)}`], [`registry.example.com/org/app@${D(2)}`]]) {
      const plan = await planTargets(options, {
        platformsHere: here,
        imagePlatforms: () => Promise.resolve(INDEX),
        heldImage: () => Promise.resolve(held),
      });
      expect(plan.targets).toHaveLength(2);
    }
    // Not on the engine: it would be pulled, the registry's.
    const absent = await planTargets(options, {
      platformsHere: here,
      imagePlatforms: () => Promise.resolve(INDEX),
      heldImage: () => Promise.resolve(null),
    });
    expect(absent.targets).toHaveLength(2);
  });

  it('proves as the engine holds it, and says why, an image whose registry cannot be read or an image id', async () => {
    const refused = await planTargets(
      await resolveOptions({ image: 'local/app:dev', platforms: 'linux/amd64,linux/arm64' }, root()),
      {
        platformsHere: here,
        imagePlatforms: () => Promise.reject(new Error('local/app:dev: pull access denied')),
      },
    );
    expect(refused.targets.map((target) => [target.name, target.platform])).toEqual([['local/app:dev', undefined]]);
    expect(refused.notes).toContainEqual(
      'local/app:dev: --platforms not proven for this image: its registry could not be read (local/app:dev: pull access denied); it is proven as the engine holds it, for one platform (the report names which)',
    );
    const id = 'sha256:' + 'b'.repeat(64);
    const byId = await planTargets(await resolveOptions({ image: id, platforms: 'linux/amd64,linux/arm64' }, root()), {
      platformsHere: here,
      imagePlatforms: () => Promise.reject(new Error('never read')),
    });
    expect(byId.targets).toHaveLength(1);
    expect(byId.notes).toContainEqual(expect.stringContaining('an image id names one image, not an index'));
  });
});
