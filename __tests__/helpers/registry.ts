import { createHash } from 'node:crypto';

// Writes OCI content into the registry on this machine (distribution's HTTP API, no login): the
// tests make images with the attestations they need — an index whose attestation manifest holds
// in-toto statements, as BuildKit pushes them — without a builder that could make them.

export const REGISTRY = '127.0.0.1:5000';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string };
}

const digestOf = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Uploads a blob to `repository` (monolithic upload); its descriptor. */
export async function putBlob(repository: string, bytes: Buffer, mediaType: string): Promise<Descriptor> {
  const digest = digestOf(bytes);
  const started = await fetch(`http://${REGISTRY}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (started.status !== 202)
    throw new Error(`blob upload to ${repository}: ${started.status} ${await started.text()}`);
  const location = new URL(started.headers.get('location')!, `http://${REGISTRY}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (put.status !== 201) throw new Error(`blob ${digest} to ${repository}: ${put.status} ${await put.text()}`);
  return { mediaType, digest, size: bytes.length };
}

/** Puts a manifest or index under `reference` (a tag or its digest); its descriptor. */
export async function putManifest(repository: string, reference: string | null, document: object): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(document));
  const mediaType = (document as { mediaType: string }).mediaType;
  const digest = digestOf(bytes);
  const put = await fetch(`http://${REGISTRY}/v2/${repository}/manifests/${reference ?? digest}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: bytes,
  });
  if (put.status !== 201)
    throw new Error(`manifest ${reference ?? digest} to ${repository}: ${put.status} ${await put.text()}`);
  return { mediaType, digest, size: bytes.length };
}

/** A registry's manifest (or index) by tag or digest, as JSON. */
export async function getManifest(
  repository: string,
  reference: string,
): Promise<{ digest: string; document: unknown }> {
  const got = await fetch(`http://${REGISTRY}/v2/${repository}/manifests/${reference}`, {
    headers: { accept: ACCEPT },
  });
  if (got.status !== 200) throw new Error(`manifest ${reference} of ${repository}: ${got.status}`);
  return { digest: got.headers.get('docker-content-digest')!, document: await got.json() };
}

export interface Attestation {
  predicateType: string;
  predicate: object;
}

/**
 * An index of the image manifest `image` (already in `repository`) and an attestation manifest
 * for it holding these in-toto statements, as BuildKit writes them (the statement's subject is
 * the image manifest; the layer says its predicate type), tagged `tag`. Its digest.
 */
export async function putAttestedIndex(
  repository: string,
  tag: string,
  image: Descriptor & { platform: { os: string; architecture: string } },
  attestations: Attestation[],
  /** Other platforms' images, listed before it (without attestations). */
  others: Descriptor[] = [],
): Promise<string> {
  const layers: Descriptor[] = [];
  for (const { predicateType, predicate } of attestations) {
    const statement = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType,
      subject: [{ name: `pkg:docker/${repository}@${tag}`, digest: { sha256: image.digest.slice(7) } }],
      predicate,
    };
    const layer = await putBlob(repository, Buffer.from(JSON.stringify(statement)), 'application/vnd.in-toto+json');
    layers.push({ ...layer, annotations: { 'in-toto.io/predicate-type': predicateType } });
  }
  const config = await putBlob(
    repository,
    Buffer.from(
      JSON.stringify({
        architecture: 'unknown',
        os: 'unknown',
        config: {},
        rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
      }),
    ),
    'application/vnd.oci.image.config.v1+json',
  );
  const entries: Descriptor[] = [...others, image];
  if (layers.length > 0) {
    const attestation = await putManifest(repository, null, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers,
    });
    entries.push({
      ...attestation,
      annotations: {
        'vnd.docker.reference.digest': image.digest,
        'vnd.docker.reference.type': 'attestation-manifest',
      },
      platform: { os: 'unknown', architecture: 'unknown' },
    });
  }
  const index = await putManifest(repository, tag, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: entries,
  });
  return index.digest;
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/**
 * The image manifest of `tag` for a platform, as the registry holds it (an index's entry, or the
 * manifest itself): its descriptor, and its bytes put again under `copyTo` when given — an image
 * manifest alone, as the classic image store pushes one.
 */
export async function imageManifest(
  repository: string,
  tag: string,
  platform: { os: string; architecture: string },
  copyTo?: string,
): Promise<Descriptor & { platform: { os: string; architecture: string } }> {
  const top = await getManifest(repository, tag);
  const index = top.document as { manifests?: Descriptor[] };
  const entry = index.manifests
    ? index.manifests.find(
        (candidate) =>
          candidate.platform?.os === platform.os && candidate.platform.architecture === platform.architecture,
      )
    : null;
  const digest = entry ? entry.digest : top.digest;
  const got = await fetch(`http://${REGISTRY}/v2/${repository}/manifests/${digest}`, { headers: { accept: ACCEPT } });
  const bytes = Buffer.from(await got.arrayBuffer());
  const mediaType = got.headers.get('content-type')!;
  if (copyTo) {
    const put = await fetch(`http://${REGISTRY}/v2/${repository}/manifests/${copyTo}`, {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`manifest ${digest} as ${copyTo}: ${put.status} ${await put.text()}`);
  }
  return { mediaType, digest, size: bytes.length, platform };
}
