import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { layoutDocuments } from './image-layout.js';

// A build's own attestations, read from the OCI layout BuildKit wrote beside the image
// (src/docker/buildx.ts, `layoutDir`) before anything is pushed: the same index the engine holds
// and `docker push` sends. BuildKit puts them in an attestation manifest of the image's index,
// marked `vnd.docker.reference.type: attestation-manifest` and pointing at the image's manifest;
// each of its layers is an in-toto statement. (BuildKit writes them into a layout only when the
// build asks for them by flag: its implicit provenance stays in the engine.)

interface Descriptor {
  digest: string;
  annotations?: Record<string, string>;
}

interface Document {
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
  predicateType?: unknown;
  predicate?: unknown;
}

export interface LayoutAttestations {
  /** Whether the image's manifest sits in an index (where attestations live). */
  index: boolean;
  /** Each statement attached to the image: its predicate type and its predicate. */
  statements: { predicateType: string; predicate: unknown }[];
}

/** The attestations the layout holds for the image whose config is `configDigest`. */
export async function readLayoutAttestations(dir: string, configDigest: string): Promise<LayoutAttestations> {
  const documents = new Map<string, Document>();
  for await (const { digest, document } of layoutDocuments(join(dir, 'blobs', 'sha256')))
    if (document && typeof document === 'object') documents.set(digest, document);
  const image = [...documents].find(([, document]) => document.config?.digest === configDigest)?.[0];
  if (!image) throw new Error(`the build's layout holds no manifest for config ${configDigest}`);
  const indexes = [...documents.values()].filter((document) =>
    document.manifests?.some((entry) => entry.digest === image),
  );
  const attestation = indexes
    .flatMap((index) => index.manifests ?? [])
    .find(
      (entry) =>
        entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' &&
        entry.annotations['vnd.docker.reference.digest'] === image,
    );
  if (!attestation) return { index: indexes.length > 0, statements: [] };
  const manifest = documents.get(attestation.digest);
  if (!manifest) throw new Error(`the build's layout lacks its attestation manifest ${attestation.digest}`);
  const statements: LayoutAttestations['statements'] = [];
  for (const layer of manifest.layers ?? []) {
    // Read whole whatever their size: an SBOM of a large image runs to megabytes.
    const statement = await readStatement(join(dir, 'blobs', 'sha256', layer.digest.replace(/^sha256:/, '')));
    const predicateType = statement?.predicateType ?? layer.annotations?.['in-toto.io/predicate-type'];
    // Listed but unreadable: never taken for "no such attestation".
    if (!statement || typeof predicateType !== 'string')
      throw new Error(`the build's layout lacks the in-toto statement ${layer.digest} of its attestations`);
    statements.push({ predicateType, predicate: statement.predicate ?? null });
  }
  return { index: true, statements };
}

/** An in-toto statement (bounded: a statement is JSON, not a layer). */
async function readStatement(path: string): Promise<Document | null> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile() || info.size > STATEMENT_LIMIT) return null;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Document;
  } catch {
    return null;
  }
}

const STATEMENT_LIMIT = 64 * 1024 * 1024;
