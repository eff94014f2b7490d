import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

// Builds image archives in memory, in both layouts `docker save` writes, for the archive reader's
// unit tests. (Integration tests read real archives from the engine.)

export interface FakeFile {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink';
  mode?: number;
  uid?: number;
  linkname?: string;
}

const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

export async function tarOf(files: FakeFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const file of files) {
    const type = file.type ?? 'file';
    const header = {
      name: file.name,
      type,
      mode: file.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: file.uid ?? 0,
      gid: 0,
      // tar-stream stamps the current time otherwise: two tars of one image made a second apart
      // would differ, and so would the evidence compared between them.
      mtime: FIXED_MTIME,
      ...(file.linkname ? { linkname: file.linkname } : {}),
    };
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
      firstOf.set(sha(layer), ids[index]);
    }
  });
  outer.entry({ name: configName }, config);
  outer.entry(
    { name: 'manifest.json' },
    JSON.stringify([{ Config: configName, RepoTags: ['fake:1'], Layers: ids.map((id) => `${id}/layer.tar`) }]),
  );
  outer.finalize();
  await done;
  return Readable.from([Buffer.concat(chunks)]);
}

export interface OciOptions {
  /** How the layer blobs are stored: uncompressed (overlay2's export), gzip or zstd (the containerd store's). */
  compression?: 'none' | 'gzip' | 'zstd';
  /** An index of an index, whose first entry is a provenance attestation, as BuildKit writes it. */
  attested?: boolean;
  /** Layers first, index last: members come in no particular order. */
  layersFirst?: boolean;
}

/** Engine ≥ 25 / OCI layout: everything under blobs/sha256, index.json → manifest → layers; no manifest.json. */
export async function ociArchive(image: FakeImage, options: OciOptions = {}): Promise<Readable> {
  const compress = (layer: Buffer): Buffer => {
    if (options.compression === 'gzip') return gzipSync(layer);
    if (options.compression === 'zstd')
      return (zlib as unknown as { zstdCompressSync(data: Buffer): Buffer }).zstdCompressSync(layer);
    return layer;
  };
  const layerBlobs = (await Promise.all(image.layers.map(tarOf))).map(compress);
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', history: image.history });
  const mediaType =
    options.compression && options.compression !== 'none'
      ? `application/vnd.oci.image.layer.v1.tar+${options.compression}`
      : 'application/vnd.oci.image.layer.v1.tar';
  const manifest = JSON.stringify({
    config: { digest: `sha256:${sha(config)}` },
    layers: layerBlobs.map((layer) => ({ mediaType, digest: `sha256:${sha(layer)}`, size: layer.length })),
  });
  const blobs: [string, Buffer | string][] = [
    [config, config],
    [manifest, manifest],
  ];
  let top = JSON.stringify({ manifests: [{ digest: `sha256:${sha(manifest)}` }] });
  if (options.attested) {
    const statement = JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1' });
    const attestationConfig = JSON.stringify({
      architecture: 'unknown',
      os: 'unknown',
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha(statement)}`] },
    });
    const attestation = JSON.stringify({
      config: { digest: `sha256:${sha(attestationConfig)}` },
      layers: [{ mediaType: 'application/vnd.in-toto+json', digest: `sha256:${sha(statement)}` }],
    });
    const inner = JSON.stringify({
      manifests: [
        {
          digest: `sha256:${sha(attestation)}`,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        },
        { digest: `sha256:${sha(manifest)}`, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    });
    blobs.push(
      [statement, statement],
      [attestationConfig, attestationConfig],
      [attestation, attestation],
      [inner, inner],
    );
    top = JSON.stringify({ manifests: [{ digest: `sha256:${sha(inner)}` }] });
  }
  const outer = tar.pack();
  const chunks: Buffer[] = [];
  outer.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => outer.on('end', () => resolve()));
  outer.entry({ name: 'oci-layout' }, '{"imageLayoutVersion":"1.0.0"}');
  const layers = (): void => {
    for (const layer of layerBlobs) outer.entry({ name: `blobs/sha256/${sha(layer)}` }, layer);
  };
  if (options.layersFirst) layers();
  // Config and manifest before the layers, as newer engines write them.
  for (const [, body] of blobs) outer.entry({ name: `blobs/sha256/${sha(body)}` }, body);
  if (!options.layersFirst) layers();
  outer.entry({ name: 'index.json' }, top);
  outer.finalize();
  await done;
  return Readable.from([Buffer.concat(chunks)]);
}

export interface LayoutOptions {
  compression?: 'none' | 'gzip';
  /** Leave this layer's blob out, or cut it short: a layout the reader must refuse. */
  missingLayer?: number;
  truncatedLayer?: number;
}

/**
 * The OCI layout BuildKit's docker driver writes beside --load (`--output type=oci,tar=false`):
 * blobs as files, and an index.json naming an index it does not write (seen on Docker 28.5).
 * Returns the directory and the config digest the build's metadata names.
 */
export async function ociLayoutDir(
  dir: string,
  image: FakeImage,
  options: LayoutOptions = {},
): Promise<{ dir: string; configDigest: string }> {
  const layerBlobs = (await Promise.all(image.layers.map(tarOf))).map((layer) =>
    options.compression === 'gzip' ? gzipSync(layer) : layer,
  );
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', history: image.history });
  const mediaType =
    options.compression === 'gzip'
      ? 'application/vnd.oci.image.layer.v1.tar+gzip'
      : 'application/vnd.oci.image.layer.v1.tar';
  const manifest = JSON.stringify({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${sha(config)}`,
      size: config.length,
    },
    layers: layerBlobs.map((layer) => ({ mediaType, digest: `sha256:${sha(layer)}`, size: layer.length })),
  });
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(blobs, sha(config)), config);
  writeFileSync(join(blobs, sha(manifest)), manifest);
  layerBlobs.forEach((layer, index) => {
    if (index === options.missingLayer) return;
    writeFileSync(
      join(blobs, sha(layer)),
      index === options.truncatedLayer ? layer.subarray(0, layer.length - 1) : layer,
    );
  });
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const absentIndex = sha('an index the docker driver keeps in the engine');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${absentIndex}`, size: 856 }],
    }),
  );
  return { dir, configDigest: `sha256:${sha(config)}` };
}
