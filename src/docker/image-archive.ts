import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import tar, { type Header } from 'tar-stream';
import type { Engine } from './engine.js';

// Reads an image's layers from the engine's export stream (`docker save`) without holding or
// storing it: only tar headers are kept, plus the content of the few small files asked for
// (/etc/passwd, …). Exporting to disk first is what makes dive and dockle slow on big images.
// Both layouts are understood: the legacy one (`<id>/layer.tar`, Engine ≤ 24) and the OCI one
// (`blobs/sha256/<digest>`, Engine ≥ 25), told apart by the tar magic, not by names.

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface LayerEntry {
  /** Absolute path inside the image, no trailing slash: `/usr/bin/gcc`. */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname?: string;
}

export interface ArchiveLayer {
  entries: LayerEntry[];
  /** Paths this layer deletes (`.wh.name` files). */
  whiteouts: string[];
  /** Directories whose earlier content this layer hides (`.wh..wh..opq`). */
  opaqueDirs: string[];
  /** Content of captured files, by path. */
  captured: Map<string, Buffer>;
}

export interface ImageArchive {
  /** In order, bottom layer first, as the image's manifest lists them. */
  layers: ArchiveLayer[];
  /** The image config (OCI / Docker image JSON): holds `history` with exact `empty_layer` flags. */
  config: ImageConfigJson;
  bytesRead: number;
}

export interface ImageConfigJson {
  history?: { created_by?: string; empty_layer?: boolean; comment?: string }[];
  [key: string]: unknown;
}

export interface ArchiveOptions {
  /** Which files' content to keep (small text files only: capped at 1 MiB each). */
  capture?: (path: string) => boolean;
  signal?: AbortSignal;
}

const CAPTURE_LIMIT = 1024 * 1024;
const JSON_LIMIT = 16 * 1024 * 1024;

export async function readImageArchive(engine: Engine, image: string, options: ArchiveOptions = {}): Promise<ImageArchive> {
  const stream = (await engine.getImage(image).get()) as unknown as Readable;
  return parseImageArchive(stream, options);
}

export async function parseImageArchive(stream: Readable, options: ArchiveOptions = {}): Promise<ImageArchive> {
  const layersByName = new Map<string, ArchiveLayer>();
  const jsonByName = new Map<string, Buffer>();
  let bytesRead = 0;
  stream.on('data', (chunk: Buffer) => {
    bytesRead += chunk.length;
  });
  const outer = tar.extract();
  const onAbort = (): void => {
    stream.destroy(new Error('cancelled'));
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  // Engine ≤ 24 writes a layer that occurs twice once, and the second as a symlink to the first.
  const aliases = new Map<string, string>();
  outer.on('entry', (header, entry, next) => {
    if (header.type === 'symlink' && header.linkname) aliases.set(header.name, posix.normalize(posix.join(posix.dirname(header.name), header.linkname)));
    if (header.type !== 'file' || header.size === 0) {
      entry.resume();
      entry.on('end', next);
      return;
    }
    // tar-stream's entries are streamx streams; they offer the Readable methods used here.
    classify(entry as unknown as Readable, header.size ?? 0)
      .then(async (kind) => {
        if (kind.type === 'tar') {
          layersByName.set(header.name, await parseLayer(kind.stream, options.capture));
        } else {
          if (kind.body) jsonByName.set(header.name, kind.body);
        }
        next();
      })
      .catch((error: Error) => next(error));
  });

  await new Promise<void>((resolve, reject) => {
    outer.on('finish', resolve);
    outer.on('error', reject);
    stream.on('error', reject);
    stream.pipe(outer);
  }).finally(() => options.signal?.removeEventListener('abort', onAbort));

  const { layers: order, config } = readManifest(jsonByName);
  const layers = order.map((name) => {
    const layer = layersByName.get(name) ?? layersByName.get(aliases.get(name) ?? '');
    if (!layer) throw new Error(`the image archive lists layer ${name} but does not contain it`);
    return layer;
  });
  const configBody = jsonByName.get(config);
  if (!configBody) throw new Error(`the image archive lists config ${config} but does not contain it`);
  return { layers, config: JSON.parse(configBody.toString('utf8')) as ImageConfigJson, bytesRead };
}

type Classified = { type: 'tar'; stream: Readable } | { type: 'data'; body: Buffer | null };

/**
 * Peeks at an archive member: a tar (ustar magic at offset 257) is a layer and is streamed on;
 * anything else small is kept as JSON candidate (manifest, config), anything else large dropped.
 */
function classify(entry: Readable, size: number): Promise<Classified> {
  return new Promise((resolve, reject) => {
    const head: Buffer[] = [];
    let headLength = 0;
    const onData = (chunk: Buffer): void => {
      head.push(chunk);
      headLength += chunk.length;
      if (headLength < 263 && headLength < size) return;
      entry.off('data', onData);
      entry.pause();
      const start = Buffer.concat(head);
      // A layer that changes nothing (WORKDIR of an existing directory) is an empty tar: only the
      // zero blocks that end an archive, with no ustar header to recognise.
      const emptyTar = start.length >= 512 && size % 512 === 0 && start.subarray(0, 512).every((byte) => byte === 0);
      if (emptyTar || start.subarray(257, 262).toString('latin1') === 'ustar') {
        entry.unshift(start);
        resolve({ type: 'tar', stream: entry });
      } else if (size <= JSON_LIMIT) {
        const rest: Buffer[] = [start];
        entry.on('data', (more: Buffer) => rest.push(more));
        entry.on('end', () => resolve({ type: 'data', body: Buffer.concat(rest) }));
        entry.resume();
      } else {
        entry.on('end', () => resolve({ type: 'data', body: null }));
        entry.resume();
      }
    };
    entry.on('data', onData);
    entry.on('end', () => {
      if (headLength < 263 && headLength >= size) resolve({ type: 'data', body: Buffer.concat(head) });
    });
    entry.on('error', reject);
  });
}

function parseLayer(stream: Readable, capture?: (path: string) => boolean): Promise<ArchiveLayer> {
  const layer: ArchiveLayer = { entries: [], whiteouts: [], opaqueDirs: [], captured: new Map() };
  const extract = tar.extract();
  extract.on('entry', (header, entry, next) => {
    const path = normalise(header.name);
    const base = path.slice(path.lastIndexOf('/') + 1);
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (base === '.wh..wh..opq') layer.opaqueDirs.push(parent);
    else if (base.startsWith('.wh.')) layer.whiteouts.push(`${parent === '/' ? '' : parent}/${base.slice(4)}`);
    else if (path !== '/') layer.entries.push(toEntry(path, header));
    if (header.type === 'file' && capture?.(path) && (header.size ?? 0) <= CAPTURE_LIMIT) {
      const chunks: Buffer[] = [];
      entry.on('data', (chunk) => chunks.push(chunk as Buffer));
      entry.on('end', () => {
        layer.captured.set(path, Buffer.concat(chunks));
        next();
      });
    } else {
      entry.on('end', next);
      entry.resume();
    }
  });
  return new Promise((resolve, reject) => {
    extract.on('finish', () => resolve(layer));
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
}

function toEntry(path: string, header: Header): LayerEntry {
  const type: EntryType =
    header.type === 'file' || header.type === 'contiguous-file' ? 'file'
      : header.type === 'directory' ? 'directory'
        : header.type === 'symlink' ? 'symlink'
          : header.type === 'link' ? 'hardlink'
            : 'other';
  const entry: LayerEntry = { path, type, mode: header.mode ?? 0, uid: header.uid ?? 0, gid: header.gid ?? 0, size: header.size ?? 0 };
  if (header.linkname) entry.linkname = type === 'hardlink' ? normalise(header.linkname) : header.linkname;
  return entry;
}

/**
 * `./usr/bin/` → `/usr/bin`, `etc/passwd` → `/etc/passwd`, `./` → `/`. Only a `./` or `/` prefix
 * is dropped: BuildKit writes names without `./`, and a root-level whiteout is `.wh.name`.
 */
export function normalise(name: string): string {
  const trimmed = name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  return trimmed === '.' || trimmed === '' ? '/' : `/${trimmed}`;
}

/**
 * Layer member names bottom-first and the config's member name. Docker's own manifest.json when
 * present (both of its layouts carry it); otherwise the OCI path: index.json → image manifest.
 */
function readManifest(json: Map<string, Buffer>): { layers: string[]; config: string } {
  const manifest = json.get('manifest.json');
  if (manifest) {
    const parsed = JSON.parse(manifest.toString('utf8')) as { Layers?: string[]; Config?: string }[];
    const first = parsed[0];
    if (!first || !Array.isArray(first.Layers) || !first.Config) throw new Error('the image archive manifest lists no layers');
    return { layers: first.Layers, config: first.Config };
  }
  const index = json.get('index.json');
  if (!index) throw new Error('the image archive has neither manifest.json nor index.json');
  let descriptor = (JSON.parse(index.toString('utf8')) as OciIndex).manifests?.[0];
  // An index may point at a further index (multi-platform): follow it to the first manifest.
  for (let depth = 0; descriptor && depth < 4; depth++) {
    const blob = json.get(blobPath(descriptor.digest));
    if (!blob) break;
    const parsed = JSON.parse(blob.toString('utf8')) as OciManifest;
    if (parsed.layers && parsed.config) {
      return { layers: parsed.layers.map((layer) => blobPath(layer.digest)), config: blobPath(parsed.config.digest) };
    }
    descriptor = parsed.manifests?.[0];
  }
  throw new Error("the image archive's OCI index does not lead to an image manifest");
}

interface OciManifest {
  manifests?: { digest: string }[];
  layers?: { digest: string }[];
  config?: { digest: string };
}

type OciIndex = Pick<OciManifest, 'manifests'>;

function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}
