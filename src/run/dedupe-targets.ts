import { canonicalImageName } from '../util/image-reference.js';
import { buildIdentity, type DockerfileFacts } from './build-identity.js';
import type { Draft } from './draft-targets.js';

// One target per image: the drafts that are the same build or the same image become one.

/**
 * One target per image: a build or an image reached twice is proven once; the first keeps its
 * name, and the compose services and image names of the others join it. Two builds are the same
 * image when their context and Dockerfile are the same files (after symlinks: `.`, `./` and a
 * link to the directory are one), their stage is the same (naming the last stage is the default
 * stage) and their effective build args are the same (an arg restating its default is no arg).
 */
export function dedupeTargets(drafts: Draft[], read: (path: string) => DockerfileFacts | null): Draft[] {
  const byKey = new Map<string, Draft>();
  const kept: Draft[] = [];
  for (const draft of drafts) {
    const build = buildIdentity(draft, read);
    const buildKey = build
      ? `build ${build.source} ${build.stage} ${JSON.stringify(Object.entries(build.args).sort())}`
      : null;
    // The context's `image`, given with its Dockerfile, is that Dockerfile's build: a compose
    // service that builds the same is the same image, not a second build of it.
    const keys =
      draft.kind === 'image'
        ? [
            `image ${canonicalImageName(draft.image ?? '')}`,
            ...(draft.builtFromDockerfile && buildKey ? [buildKey] : []),
          ]
        : buildKey
          ? [buildKey]
          : [];
    const seen = keys.map((key) => byKey.get(key)).find(Boolean);
    if (seen) {
      seen.services.push(...draft.services.filter((service) => !seen.services.includes(service)));
      seen.imageNames.push(...draft.imageNames.filter((name) => !seen.imageNames.includes(name)));
      continue;
    }
    for (const key of keys) byKey.set(key, draft);
    kept.push(draft);
  }
  return kept;
}
