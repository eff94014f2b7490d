import { posix } from 'node:path';
import { PassThrough, Readable, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { createGunzip, createGzip } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { ELF_HEADER_BYTES, mayRunOrLoad, readElfIdentity, type ElfIdentity } from '../util/elf-header.js';
import { readArchiveManifest, type ArchiveManifest } from './archive-manifest.js';
import type { Engine } from './engine.js';

// Reads an image's layers from the engine's export stream (`docker save`) without holding or
// storing it: only tar headers are kept, plus the content of the few small files asked for
// (/etc/passwd, …). Exporting to disk first is what makes dive and dockle slow on big images.
// Both formats the engine writes are read (archive-manifest.ts): the Docker archive of the
// overlay2 store (uncompressed layers) and the OCI layout of the containerd store (layers as the
// store keeps them: gzip or zstd). A member is told apart by its first bytes, not its name, so
// members may come in any order; compressed ones are inflated as they stream.

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
  /**
   * For a regular file that is ELF and could be run or loaded (an execute bit, a library's name):
   * what it is built for (its first bytes, read as it streams).
   */
  elf?: ElfIdentity;
}

export interface ArchiveLayer {
  entries: LayerEntry[];
  /** Paths this layer deletes (`.wh.name` files). */
  whiteouts: string[];
  /** Directories whose earlier content this layer hides (`.wh..wh..opq`). */
  opaqueDirs: string[];
  /** Content of captured files, by path. */
  captured: Map<string, Buffer>;
  /** Bytes of the layer as the archive holds it: compressed on the containerd store. */
  storedBytes: number;
  compression: LayerCompression;
  /**
   * Bytes of the layer compressed, as a push sends it: the stored bytes of a compressed layer;
   * for an uncompressed one, gzip's output when `measureCompressed` asked for it, else null.
   */
  compressedBytes: number | null;
}

export type LayerCompression = 'none' | 'gzip' | 'zstd';

export interface ImageArchive {
  /** In order, bottom layer first, as the image's manifest lists them. */
  layers: ArchiveLayer[];
  /** The image config (OCI / Docker image JSON): holds `history` with exact `empty_layer` flags. */
  config: ImageConfigJson;
  bytesRead: number;
  /** `build-output`: the OCI layout the build wrote beside the image (src/docker/image-layout.ts). */
  format: ArchiveManifest['format'] | 'build-output';
}

export interface ImageConfigJson {
  history?: { created_by?: string; empty_layer?: boolean; comment?: string }[];
  [key: string]: unknown;
}

export interface ArchiveOptions {
  /** Which files' content to keep (small text files only: capped at 1 MiB each). */
  capture?: (path: string) => boolean;
  signal?: AbortSignal;
  /** The image's os/architecture, to choose its manifest in a multi-platform archive. */
  platform?: { os: string; architecture: string };
  /**
   * Compress uncompressed layers as they stream (gzip level 6, what `docker push` uses) to learn
   * their compressed size. Costs ~2 s of CPU per 100 MB, so only when a limit needs the figure.
   */
  measureCompressed?: boolean;
}

const CAPTURE_LIMIT = 1024 * 1024;
const JSON_LIMIT = 16 * 1024 * 1024;

export async function readImageArchive(
  engine: Engine,
  image: string,
  options: ArchiveOptions = {},
): Promise<ImageArchive> {
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
    if (header.type === 'symlink' && header.linkname)
      aliases.set(header.name, posix.normalize(posix.join(posix.dirname(header.name), header.linkname)));
    if (header.type !== 'file' || header.size === 0) {
      entry.resume();
      entry.on('end', next);
      return;
    }
    // tar-stream's entries are streamx streams; they offer the Readable methods used here.
    readMember(entry as unknown as Readable, header.size ?? 0, options)
      .then((member) => {
        if (member.type === 'layer') layersByName.set(header.name, member.layer);
        else if (member.body) jsonByName.set(header.name, member.body);
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

  const manifest = readArchiveManifest(jsonByName, options.platform);
  const layers = manifest.layers.map(({ member }) => {
    const layer = layersByName.get(member) ?? layersByName.get(aliases.get(member) ?? '');
    if (!layer) throw new Error(`the image archive lists layer ${member} but does not contain it`);
    return layer;
  });
  const configBody = jsonByName.get(manifest.config);
  if (!configBody) throw new Error(`the image archive lists config ${manifest.config} but does not contain it`);
  return {
    layers,
    config: JSON.parse(configBody.toString('utf8')) as ImageConfigJson,
    bytesRead,
    format: manifest.format,
  };
}

type Member = { type: 'layer'; layer: ArchiveLayer } | { type: 'data'; body: Buffer | null };

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/**
 * One archive member: a layer (a tar, or a gzip/zstd stream of one) is parsed as it streams;
 * anything else small is kept as a JSON candidate (manifest, index, config), anything else large
 * is dropped unread.
 */
async function readMember(entry: Readable, size: number, options: ArchiveOptions): Promise<Member> {
  const { head, rest } = await peek(entry, 263);
  const layer = await readLayerAfterPeek(head, rest, size, options);
  if (layer === 'skipped') return { type: 'data', body: null };
  if (layer) return { type: 'layer', layer };
  return size > JSON_LIMIT ? drain(rest, null) : drain(rest, []);
}

/**
 * A layer blob read from its start (an OCI layout's file): parsed as it streams, compressed or
 * not; null where it is not a layer (then read to its end).
 */
export async function readLayerBlob(
  stream: Readable,
  size: number,
  options: ArchiveOptions = {},
): Promise<ArchiveLayer | null> {
  const { head, rest } = await peek(stream, 263);
  const layer = await readLayerAfterPeek(head, rest, size, options);
  if (layer === null) await drain(rest, null);
  return layer === 'skipped' ? null : layer;
}

/**
 * The layer a member holds, told by its first bytes. Not a layer: null where nothing was read
 * past them (the caller reads it on), `skipped` where a compressed member was read to its end.
 */
async function readLayerAfterPeek(
  head: Buffer,
  rest: Readable,
  size: number,
  options: ArchiveOptions,
): Promise<ArchiveLayer | 'skipped' | null> {
  const compression: LayerCompression = head.subarray(0, 2).equals(GZIP_MAGIC)
    ? 'gzip'
    : head.subarray(0, 4).equals(ZSTD_MAGIC)
      ? 'zstd'
      : 'none';
  if (compression === 'none') {
    if (!isTar(head, size)) return null;
    // A tar entry's stream feeds one reader only: a Node stream in between feeds both.
    const source = options.measureCompressed ? rest.pipe(new PassThrough()) : rest;
    // pipe() does not carry errors: a destroyed source (cancelled) must end its reader too.
    if (source !== rest) rest.on('error', (error) => source.destroy(error));
    const compressed = options.measureCompressed ? compressedSize(source) : Promise.resolve(null);
    const [layer, compressedBytes] = await Promise.all([parseLayer(source, options.capture), compressed]);
    return { ...layer, storedBytes: size, compression, compressedBytes };
  }
  const inflated = rest.pipe(decompressor(compression));
  rest.on('error', (error) => inflated.destroy(error));
  const inner = await peek(inflated, 263);
  // A compressed member that is not a tar is not a layer (no store writes such a thing): skip it.
  if (!isTar(inner.head, Infinity)) {
    await drain(inner.rest, null);
    return 'skipped';
  }
  return {
    ...(await parseLayer(inner.rest, options.capture)),
    storedBytes: size,
    compression,
    compressedBytes: size,
  };
}

/** Bytes gzip makes of a stream, read alongside its other reader (the slower one sets the pace). */
function compressedSize(stream: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    const gzip = createGzip({ level: 6 });
    let bytes = 0;
    gzip.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    gzip.on('end', () => resolve(bytes));
    gzip.on('error', reject);
    stream.pipe(gzip);
  });
}

/**
 * A tar has the ustar magic at offset 257. A layer that changes nothing (WORKDIR of an existing
 * directory) is an empty tar: only the zero blocks that end an archive, with no header at all.
 */
function isTar(head: Buffer, size: number): boolean {
  const emptyTar = head.length >= 263 && (size === Infinity || size % 512 === 0) && head.every((byte) => byte === 0);
  return emptyTar || head.subarray(257, 262).toString('latin1') === 'ustar';
}

/**
 * Output in 1 MiB pieces, not zlib's default 16 KiB: each piece is a round trip between the thread
 * pool and the main thread, and with 16 KiB those round trips, not inflating, took half the time
 * (the hardened example's layers: 1.47 s → 0.83 s; 256 KiB: 0.91 s).
 */
const DECOMPRESSED_CHUNK = 1 << 20;

function decompressor(compression: 'gzip' | 'zstd'): Transform {
  if (compression === 'gzip') return createGunzip({ chunkSize: DECOMPRESSED_CHUNK });
  // zstd layers (`compression=zstd` builds) need Node's zstd, which came in Node 22.15 / 23.8.
  const zstd = (zlib as unknown as { createZstdDecompress?: (options: { chunkSize: number }) => Transform })
    .createZstdDecompress;
  if (!zstd)
    throw new Error(
      `the image has zstd-compressed layers; reading them needs Node.js 22.15 or later (this is ${process.version})`,
    );
  return zstd({ chunkSize: DECOMPRESSED_CHUNK });
}

/** The first `length` bytes of a stream (fewer if it is shorter), and the whole stream to read on. */
function peek(stream: Readable, length: number): Promise<{ head: Buffer; rest: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const settle = (ended: boolean): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', reject);
      const all = Buffer.concat(chunks);
      // A stream that already ended cannot take its bytes back: hand on a new one holding them.
      if (ended) return resolve({ head: all.subarray(0, length), rest: Readable.from([all]) });
      stream.pause();
      stream.unshift(all);
      resolve({ head: all.subarray(0, length), rest: stream });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      have += chunk.length;
      if (have >= length) settle(false);
    };
    const onEnd = (): void => settle(true);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', reject);
  });
}

/** Reads a member to its end: keeping its bytes (`keep` collects them), or discarding them. */
function drain(stream: Readable, keep: Buffer[] | null): Promise<Member> {
  return new Promise((resolve, reject) => {
    if (keep) stream.on('data', (chunk: Buffer) => keep.push(chunk));
    stream.on('end', () => resolve({ type: 'data', body: keep ? Buffer.concat(keep) : null }));
    stream.on('error', reject);
    stream.resume();
  });
}

type ParsedLayer = Omit<ArchiveLayer, 'storedBytes' | 'compression' | 'compressedBytes'>;

function parseLayer(stream: Readable, capture?: (path: string) => boolean): Promise<ParsedLayer> {
  const layer: ParsedLayer = { entries: [], whiteouts: [], opaqueDirs: [], captured: new Map() };
  const extract = tar.extract();
  extract.on('entry', (header, entry, next) => {
    const path = normalise(header.name);
    const base = path.slice(path.lastIndexOf('/') + 1);
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (base === '.wh..wh..opq') layer.opaqueDirs.push(parent);
    else if (base.startsWith('.wh.')) layer.whiteouts.push(`${parent === '/' ? '' : parent}/${base.slice(4)}`);
    else if (path !== '/') layer.entries.push(toEntry(path, header));
    const record = layer.entries.at(-1);
    const isFile = header.type === 'file' || header.type === 'contiguous-file';
    // The first bytes of every file that could be run or loaded, for its ELF identity.
    const head =
      isFile && (header.size ?? 0) >= ELF_HEADER_BYTES && record?.path === path && mayRunOrLoad(path, header.mode ?? 0)
        ? new HeadReader()
        : null;
    if (header.type === 'file' && capture?.(path) && (header.size ?? 0) <= CAPTURE_LIMIT) {
      const chunks: Buffer[] = [];
      entry.on('data', (chunk) => chunks.push(chunk as Buffer));
      entry.on('end', () => {
        const content = Buffer.concat(chunks);
        layer.captured.set(path, content);
        if (head) head.push(content);
        if (head?.elf) record!.elf = head.elf;
        next();
      });
    } else if (head) {
      // Only until the head is in: a listener on every chunk of every file doubles the parse.
      const onData = (chunk: unknown): void => {
        if (head.push(chunk as Buffer)) return;
        entry.off('data', onData);
        entry.resume();
      };
      entry.on('data', onData);
      entry.on('end', () => {
        if (head.elf) record!.elf = head.elf;
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

/** Keeps a file's first ELF_HEADER_BYTES as its chunks pass, and reads them once it has them. */
class HeadReader {
  private bytes: Buffer[] = [];
  private length = 0;
  elf: ElfIdentity | null = null;

  /** Takes a chunk; false once the head is complete (nothing more is wanted). */
  push(chunk: Buffer): boolean {
    if (this.length >= ELF_HEADER_BYTES) return false;
    // Only the bytes still wanted: a file's first chunk is often the whole file.
    const wanted = chunk.subarray(0, ELF_HEADER_BYTES - this.length);
    this.bytes.push(wanted);
    this.length += wanted.length;
    if (this.length < ELF_HEADER_BYTES) return true;
    this.elf = readElfIdentity(Buffer.concat(this.bytes));
    this.bytes = [];
    return false;
  }
}

function toEntry(path: string, header: Header): LayerEntry {
  const type: EntryType =
    header.type === 'file' || header.type === 'contiguous-file'
      ? 'file'
      : header.type === 'directory'
        ? 'directory'
        : header.type === 'symlink'
          ? 'symlink'
          : header.type === 'link'
            ? 'hardlink'
            : 'other';
  const entry: LayerEntry = {
    path,
    type,
    mode: header.mode ?? 0,
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
    size: header.size ?? 0,
  };
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
