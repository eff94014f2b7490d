// What an image's attestations say, read from their in-toto predicates (pure): BuildKit's SLSA
// provenance (v0.2 or v1, mode min or max: docs.docker.com's "SLSA definitions") and an SBOM
// (SPDX, as BuildKit's generator writes it, or CycloneDX). The readers (a registry, the build's
// own layout) hand the predicates here; the checks judge the summaries.

export const SPDX_TYPE = 'https://spdx.dev/Document';
const CYCLONEDX = /^https:\/\/cyclonedx\.org\/(bom|schema)/;

export interface ProvenanceSummary {
  predicateType: string;
  /** `max` records the build's steps (buildConfig); `min` does not. */
  mode: 'max' | 'min';
  builderId: string | null;
  /**
   * Where the sources came from. `verified`: the build's context was that git repository and
   * BuildKit resolved the commit itself (configSource). Otherwise the client's `vcs:source` and
   * `vcs:revision` hints, which BuildKit records without checking.
   */
  source: { uri: string; revision: string | null; verified: boolean } | null;
  /** The images the build used (FROM, COPY --from), each with the digest BuildKit resolved. */
  images: ProvenanceImage[];
}

export interface ProvenanceImage {
  /** As the package URL names it, decoded: `alpine`, `ghcr.io/org/base`. */
  name: string;
  /** The tag it was asked for, when the URL says (`3.17`). */
  tag: string | null;
  digest: string;
}

export interface SbomSummary {
  predicateType: string;
  /** `SPDX-2.3`, `CycloneDX`, … */
  format: string;
  /** How many packages it lists; null where the format is not read here. */
  packages: number | null;
}

type Json = Record<string, unknown>;
const object = (value: unknown): Json => (value && typeof value === 'object' ? (value as Json) : {});
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Any SLSA provenance (v0.1 is read as v0.2, which kept its fields). */
export function isProvenance(predicateType: string): boolean {
  return predicateType.startsWith('https://slsa.dev/provenance/');
}

export function isSbom(predicateType: string): boolean {
  return predicateType === SPDX_TYPE || CYCLONEDX.test(predicateType);
}

export function summariseProvenance(predicateType: string, predicate: unknown): ProvenanceSummary {
  const body = object(predicate);
  const v1 = /\/v1(\.\d+)?$/.test(predicateType);
  const definition = object(body.buildDefinition);
  const run = object(body.runDetails);
  const buildkit = v1
    ? object(object(run.metadata).buildkit_metadata)
    : object(object(body.metadata)['https://mobyproject.org/buildkit@v1#metadata']);
  const buildConfig = v1 ? object(definition.internalParameters).buildConfig : body.buildConfig;
  const configSource = object(
    v1 ? object(definition.externalParameters).configSource : object(body.invocation).configSource,
  );
  const builderId = text(object(v1 ? run.builder : body.builder).id);
  const materials = v1 ? definition.resolvedDependencies : body.materials;
  return {
    predicateType,
    mode: buildConfig && typeof buildConfig === 'object' ? 'max' : 'min',
    builderId,
    source: sourceOf(configSource, object(buildkit.vcs)),
    images: (Array.isArray(materials) ? materials : []).flatMap((material) => imageOf(object(material))),
  };
}

function sourceOf(configSource: Json, vcs: Json): ProvenanceSummary['source'] {
  // A git context: BuildKit fetched it and resolved the commit (`…git#refs/tags/v1`, digest sha1).
  const uri = text(configSource.uri);
  if (uri && !/^https?:\/\/[^#]*\.(tar|tgz|tar\.gz)(#|$)/.test(uri)) {
    const revision = text(object(configSource.digest).sha1) ?? text(object(configSource.digest).sha256);
    return { uri, revision, verified: true };
  }
  const hinted = text(vcs.source);
  return hinted ? { uri: hinted, revision: text(vcs.revision), verified: false } : null;
}

/** `pkg:docker/gcr.io/distroless/static@nonroot?platform=linux%2Famd64` with its sha256. */
function imageOf(material: Json): ProvenanceImage[] {
  const uri = text(material.uri);
  const digest = text(object(material.digest).sha256);
  if (!uri || !digest || !uri.startsWith('pkg:docker/')) return [];
  const [path] = uri.slice('pkg:docker/'.length).split('?');
  const at = path.lastIndexOf('@');
  const name = decodeURIComponent(at >= 0 ? path.slice(0, at) : path);
  const tag = at >= 0 ? decodeURIComponent(path.slice(at + 1)) : null;
  // A material named only by digest (`?digest=sha256:…`) has no tag.
  return [{ name, tag: tag && !tag.startsWith('sha256:') ? tag : null, digest: `sha256:${digest}` }];
}

export function summariseSbom(predicateType: string, predicate: unknown): SbomSummary {
  const body = object(predicate);
  if (predicateType === SPDX_TYPE) {
    const packages = body.packages;
    // `packages` is optional in SPDX, and BuildKit drops an empty list: a document without one lists none.
    const listed = Array.isArray(packages) ? packages.length : text(body.spdxVersion) ? 0 : null;
    return { predicateType, format: text(body.spdxVersion) ?? 'SPDX', packages: listed };
  }
  const components = body.components;
  const format = CYCLONEDX.test(predicateType) ? 'CycloneDX' : predicateType;
  return {
    predicateType,
    format: `${format}${text(body.specVersion) ? ` ${text(body.specVersion)}` : ''}`,
    packages: Array.isArray(components) ? components.length : null,
  };
}

/**
 * An image reference as the provenance's package URLs name it, to compare the two: Docker Hub's
 * implied registry and `library/` dropped, lower case (`docker.io/library/Node` → `node`).
 */
export function comparableImageName(name: string): string {
  return name
    .toLowerCase()
    .replace(/^(index\.)?docker\.io\//, '')
    .replace(/^library\//, '');
}

/**
 * A repository URL as people and tools write it, made comparable: `git@github.com:Org/App.git`,
 * `https://github.com/org/app.git#refs/tags/v1` and `https://github.com/org/app/` are the same.
 */
export function comparableRepository(uri: string): string {
  let url = uri.trim().replace(/#.*$/, '');
  // `org/app`, as GitHub names a repository: on github.com.
  if (/^[\w.-]+\/[\w.-]+$/.test(url)) url = `https://github.com/${url}`;
  const scp = /^[\w.-]+@([^:/]+):(.+)$/.exec(url);
  if (scp) url = `https://${scp[1]}/${scp[2]}`;
  url = url.replace(/^(git\+)?(ssh|git|http):\/\/([^@/]+@)?/, 'https://').replace(/^https:\/\/[^@/]+@/, 'https://');
  return url
    .replace(/\.git$/, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

/** A repository URL to show: any user and password in it (`https://x-access-token:…@github.com`) left out. */
export function displayedRepository(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]+@/i, '$1');
}
