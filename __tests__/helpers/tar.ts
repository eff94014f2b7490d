import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import tar from 'tar-stream';

// Builds image archives in memory, in both layouts `docker save` writes, for the archive reader's
// unit tests. (Integration tests read real archives from the engine.)

export interface FakeFile {
  name: string;
  content?: string;
  type?: 'file' | 'directory' | 'symlink';
  mode?: number;
  uid?: number;
  linkname?: string;
}

export async function tarOf(files: FakeFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const file of files) {
    const type = file.type ?? 'file';
    const header = { name: file.name, type, mode: file.mode ?? (type === 'directory' ? 0o755 : 0o644), uid: file.uid ?? 0, gid: 0, ...(file.linkname ? { linkname: file.linkname } : {}) };
    if (type === 'file') pack.entry(header, file.content ?? '');
    else pack.entry(header);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export interface FakeImage {
  layers: FakeFile[][];
  history: { created_by: string; empty_layer?: boolean }[];
}

/** Engine ≤ 24: `<id>/layer.tar`, `<config>.json`, manifest.json at the end. */
export async function legacyArchive(image: FakeImage): Promise<Readable> {
  const layerTars = await Promise.all(image.layers.map(tarOf));
  // v1 ids depend on the position (a chain), so a layer that occurs twice gets two ids.
  const ids = layerTars.map((layer, index) => sha(Buffer.concat([layer, Buffer.from(String(index))])));
  const config = JSON.stringify({ history: image.history });
  const configName = `${sha(config)}.json`;
  const outer = tar.pack();
  const chunks: Buffer[] = [];
  outer.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => outer.on('end', () => resolve()));
  const firstOf = new Map<string, string>();
  layerTars.forEach((layer, index) => {
    outer.entry({ name: `${ids[index]}/`, type: 'directory' });
    outer.entry({ name: `${ids[index]}/VERSION` }, '1.0');
    const earlier = firstOf.get(sha(layer));
    // As the engine does: the second copy of a layer is a symlink to the first.
    if (earlier) outer.entry({ name: `${ids[index]}/layer.tar`, type: 'symlink', linkname: `../${earlier}/layer.tar` });
    else {
      outer.entry({ name: `${ids[index]}/layer.tar` }, layer);
      firstOf.set(sha(layer), ids[index]!);
    }
  });
  outer.entry({ name: configName }, config);
  outer.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: configName, RepoTags: ['fake:1'], Layers: ids.map((id) => `${id}/layer.tar`) }]));
  outer.finalize();
  await done;
  return Readable.from([Buffer.concat(chunks)]);
}

/** Engine ≥ 25 / OCI layout: everything under blobs/sha256, index.json → manifest → layers; no manifest.json. */
export async function ociArchive(image: FakeImage): Promise<Readable> {
  const layerTars = await Promise.all(image.layers.map(tarOf));
  const config = JSON.stringify({ history: image.history });
  const manifest = JSON.stringify({
    config: { digest: `sha256:${sha(config)}` },
    layers: layerTars.map((layer) => ({ digest: `sha256:${sha(layer)}` })),
  });
  const index = JSON.stringify({ manifests: [{ digest: `sha256:${sha(manifest)}` }] });
  const outer = tar.pack();
  const chunks: Buffer[] = [];
  outer.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => outer.on('end', () => resolve()));
  outer.entry({ name: 'oci-layout' }, '{"imageLayoutVersion":"1.0.0"}');
  // Config and manifest before the layers, as newer engines write them.
  outer.entry({ name: `blobs/sha256/${sha(config)}` }, config);
  outer.entry({ name: `blobs/sha256/${sha(manifest)}` }, manifest);
  for (const layer of layerTars) outer.entry({ name: `blobs/sha256/${sha(layer)}` }, layer);
  outer.entry({ name: 'index.json' }, index);
  outer.finalize();
  await done;
  return Readable.from([Buffer.concat(chunks)]);
}
