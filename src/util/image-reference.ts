// Image references as Docker reads them, and what a tag pins. Shared by the Dockerfile and compose
// checks: a floating tag is unpinned wherever it is written.

/** `python:3.11-slim@sha256:…` → { name, tag, digest }; registry ports are not tags. */
export function parseImageReference(reference: string): { name: string; tag: string | null; digest: string | null } {
  const [withoutDigest = '', digest = null] = reference.split('@');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    name: hasTag ? withoutDigest.slice(0, colon) : withoutDigest,
    tag: hasTag ? withoutDigest.slice(colon + 1) : null,
    digest,
  };
}

/**
 * What is wrong with a reference to push to (`ghcr.io/org/app:1.4`), or null: it must name a
 * lower-case repository, with a tag or none (`latest`), and no digest (the digest is the push's result).
 */
export function pushTargetProblem(reference: string): string | null {
  const { name, tag, digest } = parseImageReference(reference);
  if (digest) return 'has a digest; it names where to push, and the digest is what the push gives back';
  // Docker's grammar: a registry host (with a port) and lower-case path components; a tag of up
  // to 128 word characters, dots and dashes, not starting with either.
  const [first = '', ...rest] = name.split('/');
  const host = rest.length > 0 && /[.:]|^localhost$/.test(first);
  const components = host ? rest : [first, ...rest];
  const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
  if (
    !name ||
    (host && !/^[a-zA-Z0-9.-]+(:\d+)?$/.test(first)) ||
    components.length === 0 ||
    !components.every((part) => component.test(part))
  )
    return 'is not an image reference (a lower-case repository, e.g. ghcr.io/org/app:1.4)';
  if (tag !== null && !/^\w[\w.-]{0,127}$/.test(tag))
    return `has a tag Docker refuses ('${tag}': letters, digits, _ . -, at most 128, not starting with . or -)`;
  return null;
}

/**
 * Tags that move: they name a channel, a distribution or a variant, never a release. `postgres:alpine`
 * today and in a month are different databases.
 */
const FLOATING = new Set([
  'latest',
  'stable',
  'edge',
  'lts',
  'mainline',
  'current',
  'rolling',
  'nightly',
  'main',
  'master',
  'dev',
  'develop',
  'beta',
  'alpha',
  'rc',
  'canary',
  'next',
  'testing',
  'unstable',
]);

/** Distribution releases by name: `debian:bookworm-slim` is Debian 12, as `12-slim` would be. */
const RELEASE_NAMES = new Set([
  'buster',
  'bullseye',
  'bookworm',
  'trixie',
  'forky',
  'bionic',
  'focal',
  'jammy',
  'noble',
  'oracular',
  'plucky',
  'questing',
]);

/**
 * Whether a tag names a version: it carries a version number (`15`, `3.11-slim`, `1.25.3-alpine`,
 * `alpine3.19`) or a distribution release's name (`bookworm-slim`). Channels and variants alone
 * (`latest`, `lts`, `alpine`, `mainline`, `stable-slim`) do not: the image behind them changes.
 */
export function tagPinsVersion(tag: string): boolean {
  const lower = tag.toLowerCase();
  if (FLOATING.has(lower)) return false;
  return /\d/.test(lower) || lower.split(/[-_.]/).some((word) => RELEASE_NAMES.has(word));
}

/**
 * The one name the engine stores a reference under, so two spellings of the same image compare
 * equal: `app`, `app:latest` and `docker.io/library/app:latest` are one image; a registry is
 * the first part only when it looks like a host (a dot, a port, or `localhost`).
 */
export function canonicalImageName(reference: string): string {
  // An image id names content, not a repository.
  if (/^(sha256:)?[0-9a-f]{64}$/.test(reference.trim())) return reference.trim().replace(/^(?!sha256:)/, 'sha256:');
  const { name, tag, digest } = parseImageReference(reference.trim());
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasRegistry ? first : 'docker.io';
  let path = hasRegistry ? name.slice(slash + 1) : name;
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const tagged = `${registry}/${path.toLowerCase()}${tag !== null ? `:${tag}` : digest ? '' : ':latest'}`;
  return digest ? `${tagged}@${digest}` : tagged;
}

/**
 * Images whose releases are numbered in fewer parts than major.minor.patch: PostgreSQL since 10
 * (`15.4`), and distributions whose release number is the release itself (`debian:12` is
 * bookworm, `ubuntu:22.04` is jammy, `alpine:3.19` is a release branch).
 */
const RELEASE_PARTS: [RegExp, number][] = [
  [/(^|\/)postgres$/, 2],
  [/(^|\/)(debian|fedora)$/, 1],
  [/(^|\/)(ubuntu|alpine)$/, 2],
];

/**
 * How much of a version a tag names, for a tag that names one (tagPinsVersion): `full` (a
 * release: `1.25.3`, `15.4-bookworm` for postgres, a date or a commit), `minor` (`7.2`: the
 * tag moves to each 7.2.x) or `major` (`7`, `14-alpine`: it moves to each 7.x); null when the tag
 * carries no version number of the software (`bookworm-slim`, `alpine3.19`).
 */
export function tagVersionPrecision(name: string, tag: string): 'full' | 'minor' | 'major' | null {
  const lower = tag.toLowerCase();
  const words = lower.split(/[-_+]/);
  // A build date, a build number or a commit pins whatever precedes it (`7.2-20240101`,
  // `RELEASE.2024-01-16T16-07-38Z`, `sha-1a2b3c4`).
  if (
    /(19|20)\d{2}[-.]?(0[1-9]|1[0-2])[-.]?([0-2]\d|3[01])/.test(lower) ||
    words.some((word) => /^\d{8,}$/.test(word) || /^(?=.*\d)(?=.*[a-f])[0-9a-f]{7,40}$/.test(word))
  )
    return 'full';
  // The most precise version the tag names: `v4.1-3.0.2` is the image's release 3.0.2.
  const versions = words
    .filter((word) => /^v?\d+(\.\d+)*$/.test(word))
    .map((word) => word.replace(/^v/, '').split('.'));
  if (versions.length === 0) return null;
  const parts = versions.reduce((most, version) => (version.length > most.length ? version : most));
  if (Number(parts[0]) >= 1000) return 'full'; // a year-based version or a build number
  const needed = RELEASE_PARTS.find(([pattern]) => pattern.test(name.toLowerCase()))?.[1] ?? 3;
  if (parts.length >= needed) return 'full';
  return parts.length === 1 ? 'major' : 'minor';
}

/**
 * Public bases known to set neither USER nor HEALTHCHECK: Docker's official images (whose policy
 * leaves the health check to the user, and which start as root — some drop privileges in their
 * entrypoint), Microsoft's .NET images, and scratch. Of any other base the Dockerfile alone cannot
 * tell: a company base or a vendor's image (bitnami's, distroless `nonroot`, haproxy's) may set a
 * USER or a HEALTHCHECK the Dockerfile never shows.
 */
const ROOT_BASES = new Set([
  'alpine',
  'debian',
  'ubuntu',
  'busybox',
  'centos',
  'fedora',
  'rockylinux',
  'almalinux',
  'amazonlinux',
  'oraclelinux',
  'archlinux',
  'python',
  'node',
  'golang',
  'rust',
  'ruby',
  'php',
  'perl',
  'openjdk',
  'eclipse-temurin',
  'amazoncorretto',
  'maven',
  'gradle',
  'nginx',
  'httpd',
  'postgres',
  'mysql',
  'mariadb',
  'redis',
  'mongo',
  'rabbitmq',
  'buildpack-deps',
  'bash',
  'docker',
  'caddy',
  'traefik',
  'erlang',
  'elixir',
  'composer',
  'wordpress',
  'nextcloud',
  'pypy',
  'swift',
  'julia',
  'r-base',
  'dart',
  'haskell',
  'clojure',
]);
const ROOT_BASE_REPOSITORIES = /^mcr\.microsoft\.com\/dotnet\/(sdk|aspnet|runtime|runtime-deps)$/;

export function baseSetsNoUserOrHealthcheck(reference: string): boolean {
  if (reference === 'scratch') return true;
  const { name } = parseImageReference(reference);
  const official = name.replace(/^(docker\.io\/)?(library\/)?/, '');
  return (!official.includes('/') && ROOT_BASES.has(official)) || ROOT_BASE_REPOSITORIES.test(name);
}
