import { posix } from 'node:path';
import type { Engine } from '../docker/engine.js';
import { parseGroup, parsePasswd, resolveUser, type ResolvedUser } from './accounts.js';
import { classifyFile, type FileClass } from './file-classes.js';
import {
  readImageArchive,
  type ArchiveLayer,
  type ImageArchive,
  type LayerCompression,
  type LayerEntry,
} from '../docker/image-archive.js';
import { readImageLayout } from '../docker/image-layout.js';

// The image's final filesystem, as the union of its layers with deletions applied, and for
// every path the layer that last wrote it: checks name the instruction that shipped a file.

export interface FileRecord extends LayerEntry {
  /** Index of the layer that last wrote this path (0 = bottom). */
  layer: number;
}

export interface LayerRecord {
  index: number;
  /** The instruction that made it (`RUN /bin/sh -c apt-get install …`), from the image config. */
  createdBy: string | null;
  /** Bytes of regular files this layer adds (unpacked). */
  sizeBytes: number;
  /** Bytes of the layer compressed, as a pull transfers it; null where not measured. */
  compressedBytes: number | null;
  entries: number;
  /** Bytes of this layer's files still visible in the final image, by where they live. */
  visible: Record<FileClass, number>;
}

export interface HistoryRecord {
  createdBy: string;
  /** Config-only instructions (ENV, ARG values in RUN, LABEL…) make no layer but are kept here. */
  emptyLayer: boolean;
}

/**
 * The image's size, measured the same way on every image store from its layers. The engine's own
 * `Size` is not that: the overlay2 store reports unpacked bytes, the containerd store the
 * compressed content (204.7 MB and 76.6 MB for the same image).
 */
export interface ImageSizeRecord {
  /**
   * Bytes of the regular files of every layer, deleted ones included: what the image occupies
   * when run. A hard link counts once; directories, symlinks and tar headers not at all (the
   * overlay2 store's own figure for BuildKit's layers, to the byte).
   */
  unpackedBytes: number;
  /** What a pull transfers: every layer compressed. Null where not measured. */
  compressedBytes: number | null;
  /**
   * `store`: the store keeps the layers compressed (containerd), their sizes read as they are;
   * `gzip`: the store keeps them uncompressed (overlay2), compressed here as a push would
   * (gzip level 6), because a limit asked for it; `not-measured`: neither.
   */
  compressedFrom: 'store' | 'gzip' | 'not-measured';
  /** How the store keeps the layers. */
  layerCompression: LayerCompression | 'mixed';
}

export interface FilesystemEvidence {
  size: ImageSizeRecord;
  /**
   * The image's USER resolved through its own /etc/passwd and /etc/group, as the engine resolves
   * it: root is '', 'root', '0', '0:0', 'root:root', and any name whose UID is 0.
   */
  configuredUser: ResolvedUser;
  /** Every path in the final image. */
  files: Record<string, FileRecord>;
  layers: LayerRecord[];
  /** The image's whole build history, oldest first, from its config. */
  history: HistoryRecord[];
  /** Content of small key-like files (for telling a private key from a certificate), by path. */
  keyFiles: Record<string, string>;
  /** Content of the final /etc/passwd and /etc/group, or null where the image has none. */
  passwd: string | null;
  group: string | null;
  /**
   * The package.json a package manager started in the WORKDIR reads its scripts from (`npm start`,
   * `npm run dev`): the nearest one up from the WORKDIR, as npm finds it; null where there is none
   * or it is not JSON. Absent: not read (evidence recorded before it was).
   */
  packageManifest?: PackageManifest | null;
  bytesRead: number;
  /**
   * True where every regular file's first bytes were read for its ELF identity (FileRecord.elf).
   * Absent: recorded before they were.
   */
  elfRead?: boolean;
  /**
   * Where the layers were read: the OCI layout the build wrote beside the image, or the engine's
   * export of the image (`docker save`). Absent: recorded before the build's layout was read.
   */
  readFrom?: 'build-output' | 'engine-export';
}

export interface PackageManifest {
  path: string;
  /** Its scripts, by name. */
  scripts: Record<string, string>;
}

/** Files whose content the checks read. */
export const CAPTURED_FILES = new Set(['/etc/passwd', '/etc/group']);

/** Names whose content tells whether they hold a credential (checked for PRIVATE KEY, tokens). */
export const KEY_LIKE = /(^|\/)(id_(rsa|dsa|ecdsa|ed25519)|[^/]+\.(pem|key|p8)|\.npmrc|\.pypirc|\.netrc)$/;

export function isCaptured(path: string): boolean {
  return CAPTURED_FILES.has(path) || KEY_LIKE.test(path);
}

/** Where a package manager started in the WORKDIR looks for package.json: the WORKDIR, then each parent. */
export function manifestPaths(workingDir: string): string[] {
  const paths: string[] = [];
  for (let dir = posix.resolve('/', workingDir || '/'); ; dir = posix.dirname(dir)) {
    paths.push(posix.join(dir, 'package.json'));
    if (dir === '/') return paths;
  }
}

export interface FilesystemRequest {
  image: string;
  workingDir: string;
  /** The image's USER, resolved here through the image's own files. */
  user: string;
  platform: { os: string; architecture: string };
  /** Compress uncompressed layers to measure what a pull transfers (only a limit needs it). */
  measureCompressed: boolean;
  /** The OCI layout the build wrote beside this image (src/docker/buildx.ts), read instead of the export. */
  layout?: { dir: string; configDigest: string };
  /** Told why the build's layout could not be read (then the engine's export is). */
  info?: (message: string) => void;
  signal?: AbortSignal;
}

/**
 * Reads the image's layers — from the build's own layout where there is one, else streamed from
 * the engine — and merges them; content kept for CAPTURED_FILES and package manifests only.
 */
export async function collectFilesystemEvidence(
  engine: Engine,
  request: FilesystemRequest,
): Promise<FilesystemEvidence> {
  const { image, workingDir, user, platform, measureCompressed, signal } = request;
  const manifests = new Set(manifestPaths(workingDir));
  const options = {
    capture: (path: string) => isCaptured(path) || manifests.has(path),
    platform,
    measureCompressed,
    ...(signal ? { signal } : {}),
  };
  if (request.layout) {
    try {
      const archive = await readImageLayout(request.layout.dir, request.layout.configDigest, options);
      return { ...mergeLayers(archive, workingDir, user), readFrom: 'build-output' };
    } catch (error) {
      if (signal?.aborted) throw error;
      request.info?.(`reading the image from the engine instead: ${(error as Error).message}`);
    }
  }
  const archive = await readImageArchive(engine, image, options);
  return { ...mergeLayers(archive, workingDir, user), readFrom: 'engine-export' };
}

export function mergeLayers(archive: ImageArchive, workingDir = '', user = ''): FilesystemEvidence {
  const files = new Map<string, FileRecord>();
  const captured = new Map<string, Buffer>();
  archive.layers.forEach((layer, index) => {
    applyDeletions(files, layer);
    for (const path of captured.keys()) if (!files.has(path)) captured.delete(path);
    for (const entry of layer.entries) files.set(entry.path, { ...entry, layer: index });
    for (const [path, content] of layer.captured) captured.set(path, content);
  });
  const history = layerHistory(archive);
  const workdir = workingDir && workingDir !== '/' ? posix.normalize(workingDir) : null;
  const layers: LayerRecord[] = archive.layers.map((layer, index) => ({
    index,
    createdBy: history[index] ?? null,
    sizeBytes: layer.entries.reduce((sum, entry) => sum + (entry.type === 'file' ? entry.size : 0), 0),
    compressedBytes: layer.compressedBytes,
    entries: layer.entries.length,
    visible: { buildTools: 0, languagePackages: 0, workdir: 0, other: 0 },
  }));
  for (const file of files.values()) {
    if (file.type === 'file') layers[file.layer].visible[classifyFile(file.path, workdir)] += file.size;
  }
  const text = (path: string): string | null => {
    const record = files.get(path);
    return record?.type === 'file' ? (captured.get(path)?.toString('utf8') ?? null) : null;
  };
  const keyFiles: Record<string, string> = {};
  for (const [path, content] of captured) {
    // Only the start matters ("-----BEGIN … PRIVATE KEY-----", "_authToken="): keep evidence small.
    if (KEY_LIKE.test(path) && files.get(path)?.type === 'file')
      keyFiles[path] = content.subarray(0, 4096).toString('latin1');
  }
  const passwd = text('/etc/passwd');
  const group = text('/etc/group');
  const manifest = manifestPaths(workingDir).find((path) => files.get(path)?.type === 'file');
  return {
    size: measureSize(archive, layers),
    configuredUser: resolveUser(user, parsePasswd(passwd ?? ''), parseGroup(group ?? '')),
    files: Object.fromEntries(files),
    layers,
    history: (archive.config.history ?? []).map((entry) => ({
      createdBy: entry.created_by ?? '',
      emptyLayer: entry.empty_layer === true,
    })),
    keyFiles,
    passwd,
    group,
    packageManifest: manifest ? packageManifestOf(manifest, text(manifest)) : null,
    bytesRead: archive.bytesRead,
    elfRead: true,
  };
}

function measureSize(archive: ImageArchive, layers: LayerRecord[]): ImageSizeRecord {
  const kinds = new Set(archive.layers.map((layer) => layer.compression));
  const layerCompression = kinds.size === 1 ? [...kinds][0] : kinds.size === 0 ? 'none' : 'mixed';
  const compressed = layers.map((layer) => layer.compressedBytes);
  const known = compressed.every((bytes) => bytes !== null);
  return {
    unpackedBytes: layers.reduce((sum, layer) => sum + layer.sizeBytes, 0),
    compressedBytes: known ? compressed.reduce((sum: number, bytes) => sum + bytes, 0) : null,
    compressedFrom: !known
      ? 'not-measured'
      : archive.layers.every((layer) => layer.compression !== 'none')
        ? 'store'
        : 'gzip',
    layerCompression,
  };
}

/**
 * A layer's whiteouts delete a path and all below it; an opaque directory hides everything the
 * lower layers had below it. One pass over the map per layer that deletes anything.
 */
function applyDeletions(files: Map<string, FileRecord>, layer: ArchiveLayer): void {
  if (layer.whiteouts.length === 0 && layer.opaqueDirs.length === 0) return;
  const removed = new Set(layer.whiteouts);
  const opaque = new Set(layer.opaqueDirs);
  for (const path of files.keys()) {
    if (removed.has(path)) {
      files.delete(path);
      continue;
    }
    for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
      const ancestor = path.slice(0, cut);
      if (removed.has(ancestor) || opaque.has(ancestor)) {
        files.delete(path);
        break;
      }
    }
    if (opaque.has('/') && files.has(path)) files.delete(path);
  }
}

/** created_by of the history entries that made a layer, bottom first (empty_layer is exact here). */
function layerHistory(archive: ImageArchive): (string | null)[] {
  const made = (archive.config.history ?? []).filter((entry) => !entry.empty_layer);
  // Imported or squashed images can have fewer entries than layers: align at the top.
  const offset = archive.layers.length - made.length;
  return archive.layers.map((_, index) => made[index - offset]?.created_by ?? null);
}

/** A package.json's scripts; null where its content was not read or is not JSON. */
export function packageManifestOf(path: string, content: string | null): PackageManifest | null {
  if (content === null) return null;
  try {
    const parsed = JSON.parse(content) as { scripts?: unknown } | null;
    const scripts = parsed && typeof parsed.scripts === 'object' && parsed.scripts !== null ? parsed.scripts : {};
    return {
      path,
      scripts: Object.fromEntries(
        Object.entries(scripts).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      ),
    };
  } catch {
    return null;
  }
}
