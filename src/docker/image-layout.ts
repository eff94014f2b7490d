import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { readLayerBlob, type ArchiveOptions, type ImageArchive, type ImageConfigJson } from './image-archive.js';

// Reads an image's layers from the OCI layout its build wrote beside the image (src/docker/buildx.ts,
// `layoutDir`): on the containerd image store the engine's own export (`docker save`) is several
// times slower than BuildKit writing the layers it already holds, and a layout on disk lets the
// layers be read side by side. The layout is found by the build's config digest, never by its
// index.json: BuildKit's docker driver writes an index.json there that names an index it does not
// write (the attestation index stays in the engine). Anything missing or of the wrong size is an
// error: the caller then reads the engine's export instead.

/** Small JSON blobs only: a manifest or config is kilobytes; layers are never parsed as JSON. */
const JSON_BLOB_LIMIT = 4 * 1024 * 1024;

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
}

interface ImageManifest {
  config?: Descriptor;
  layers?: Descriptor[];
}

export async function readImageLayout(
  dir: string,
  configDigest: string,
  options: ArchiveOptions = {},
): Promise<ImageArchive> {
  const blobs = join(dir, 'blobs', 'sha256');
  const path = (digest: string): string => join(blobs, digest.replace(/^sha256:/, ''));
  const manifest = await findManifest(blobs, configDigest);
  const layers = manifest.layers ?? [];
  for (const layer of layers) {
    const found = await stat(path(layer.digest)).catch(() => null);
    if (!found || found.size !== layer.size)
      throw new Error(
        `the build's layout ${found ? `holds ${found.size} of ${layer.size} bytes of` : 'lacks'} layer ${layer.digest}`,
      );
  }
  const config = JSON.parse(await readFile(path(configDigest), 'utf8')) as ImageConfigJson;
  const parsed = await inParallel(layers, parallelism(), async (layer) => {
    options.signal?.throwIfAborted();
    const stream = createReadStream(path(layer.digest), { highWaterMark: 1 << 20 });
    const onAbort = (): void => void stream.destroy(new Error('cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const read = await readLayerBlob(stream, layer.size, options);
      if (!read) throw new Error(`the build's layout holds ${layer.digest}, which is not a layer`);
      return read;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      stream.destroy(); // closes the file, whether it was read to its end or not
    }
  });
  return {
    layers: parsed,
    config,
    bytesRead: layers.reduce((sum, layer) => sum + layer.size, 0),
    format: 'build-output',
  };
}

/** The image manifest whose config is the build's: the layout holds exactly one per platform built. */
async function findManifest(blobs: string, configDigest: string): Promise<ImageManifest> {
  for await (const { document } of layoutDocuments(blobs)) {
    const manifest = document as ImageManifest;
    if (manifest.config?.digest === configDigest && Array.isArray(manifest.layers)) return manifest;
  }
  throw new Error(`the build's layout holds no manifest for config ${configDigest}`);
}

/**
 * The JSON documents of a layout's blobs (manifests, indexes, configs, in-toto statements), each
 * with its digest; layers and anything large are passed over unread.
 */
export async function* layoutDocuments(blobs: string): AsyncGenerator<{ digest: string; document: unknown }> {
  const names = await readdir(blobs).catch(() => {
    throw new Error(`the build wrote no layout in ${blobs}`);
  });
  for (const name of names) {
    const file = join(blobs, name);
    const info = await stat(file);
    if (!info.isFile() || info.size > JSON_BLOB_LIMIT || !(await startsWithBrace(file))) continue;
    try {
      yield { digest: `sha256:${name}`, document: JSON.parse(await readFile(file, 'utf8')) as unknown };
    } catch {
      continue;
    }
  }
}

async function startsWithBrace(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(1), 0, 1, 0);
    return bytesRead === 1 && buffer[0] === 0x7b;
  } finally {
    await handle.close();
  }
}

/**
 * Decompression runs on libuv's threads: two layers read at once use two cores. More would only
 * queue (the pool has four threads) and hold more layers' entries in memory at once.
 */
function parallelism(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

/**
 * `work` over `items` with at most `limit` at once; results in the items' order. The first failure
 * stops the others from taking more: the caller falls back to another source at once.
 */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await work(items[index]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
