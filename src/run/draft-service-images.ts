import { dirname, resolve } from 'node:path';
import type { ComposeEvidence, ComposeService } from '../evidence/compose.js';
import { inputLabel, type Options } from '../inputs/resolve.js';
import { canonicalImageName } from '../util/image-reference.js';
import { imageDraft, type Draft } from './draft-targets.js';
import type { ImageAvailability } from './service-images.js';

// The draft targets of the compose services that only name an image: joined to the build that
// makes that image, or proven as images of their own with check-service-images; each one left
// unproven is a note of the run's, with why and how to prove it.

/**
 * The services that only name an image. One that names the image another service builds runs that
 * build: it joins its target. The others are proven as images with check-service-images, when the
 * engine has the image or pulls it now; each one that is not proven is a note saying why and how.
 */
export async function draftServiceImages(
  compose: ComposeEvidence,
  builds: Draft[],
  options: Options,
  obtainImage: ((reference: string) => Promise<ImageAvailability>) | undefined,
  notes: string[],
): Promise<Draft[]> {
  const { settings, workspace } = options;
  const builtAs = builtImageNames(builds);
  // Several services naming one image are one image to prove, and one note.
  const byImage = new Map<string, { image: string; services: ComposeService[] }>();
  for (const service of compose.services) {
    if (service.data.build || typeof service.data.image !== 'string') continue;
    const image = service.data.image;
    const name = canonicalImageName(image);
    const build = builtAs.get(name);
    if (build) {
      const key = `${service.file}#${service.name}`;
      if (!build.services.includes(key)) build.services.push(key);
      continue;
    }
    const entry = byImage.get(name) ?? { image, services: [] };
    entry.services.push(service);
    byImage.set(name, entry);
  }
  const wanted = [...byImage.values()];
  const where = (services: ComposeService[]): string =>
    services.map((service) => `${service.name} (${service.file}:${service.line})`).join(', ');
  if (!settings.checkServiceImages) {
    // Static mode proves no image at all: nothing to single out.
    if (settings.mode !== 'full' || wanted.length === 0) return [];
    for (const { image, services } of wanted)
      notes.push(`${where(services)}: image ${image} not proven (check-service-images is off)`);
    const label = inputLabel('check-service-images', options.surface);
    notes.push(
      `the services that only name an image are proven only when asked, so their user, health and size were not judged: ${options.surface === 'cli' ? `add ${label}` : `set ${label} true`} to prove them (an image not on the engine is pulled)`,
    );
    return [];
  }
  const obtain = obtainImage;
  const found = await Promise.all(
    wanted.map(async (entry) => ({
      ...entry,
      availability: entry.image.includes('$') || !obtain ? null : await obtain(entry.image),
    })),
  );
  const drafts: Draft[] = [];
  for (const { image, services, availability } of found) {
    if (availability === null) {
      notes.push(
        `${where(services)}: image ${image} not proven (${image.includes('$') ? 'its name is set by a variable compose leaves unresolved' : 'static mode: no image is run'})`,
      );
      continue;
    }
    if (!availability.ok) {
      notes.push(
        `${where(services)}: image ${image} not proven, so its user, health and size were not judged: it is not on the engine and ${availability.reason}; pull it before the run (docker pull ${image}) or log in to its registry`,
      );
      continue;
    }
    for (const service of services)
      drafts.push({
        ...imageDraft(image, resolve(workspace, dirname(service.file)), null),
        services: [`${service.file}#${service.name}`],
        label: service.name,
      });
  }
  return drafts;
}

/**
 * Each `image:` name a build is tagged with (and each image a target checks), to that target; a
 * name two different targets claim is left out (which one compose runs depends on the order it
 * builds them).
 */
function builtImageNames(drafts: Draft[]): Map<string, Draft> {
  const claims = new Map<string, Draft[]>();
  for (const draft of drafts) {
    const names = [
      ...draft.imageNames,
      ...(draft.kind === 'image' && draft.image ? [canonicalImageName(draft.image)] : []),
    ];
    for (const name of new Set(names)) claims.set(name, [...(claims.get(name) ?? []), draft]);
  }
  return new Map([...claims].filter(([, owners]) => owners.length === 1).map(([name, [owner]]) => [name, owner]));
}
