import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfrastructureError, UsageError } from '../util/errors.js';
import { runProcess } from '../util/process.js';
import { canonicalImageName, parseImageReference } from '../util/image-reference.js';
import { redactSecrets } from '../util/secrets.js';
import { BuildSteps, RawJsonSplitter, type BuildStep } from './rawjson.js';

// Builds with the buildx CLI (not the engine API's /build, which knows no BuildKit features),
// reading the image id from --iidfile and step data from --progress=rawjson rather than from
// scraped text.

/**
 * What docker/build-push-action's build inputs become (src/inputs/build-inputs.ts checks them and
 * makes their paths absolute).
 */
export interface BuildInputs {
  /** `secrets`: the values reach buildx through files (src/docker/buildx.ts), never argv. */
  secrets: { id: string; value: string }[];
  /** `secret-files`: absolute paths. */
  secretFiles: { id: string; path: string }[];
  /** `secret-envs`: buildx reads the variable from its environment (ours). */
  secretEnvs: { id: string; env: string }[];
  /** `ssh`, as buildx's --ssh takes them, with key and socket paths absolute. */
  ssh: string[];
  /** `build-contexts`: local directories absolute; image, layout and URL sources as given. */
  buildContexts: { name: string; source: string }[];
  /** `cache-from` / `cache-to`, local paths absolute; type=gha only where the runner provides it. */
  cacheFrom: string[];
  cacheTo: string[];
  labels: Record<string, string>;
  /** null: BuildKit's default network. */
  network: string | null;
  /** `host:ip`. */
  addHosts: string[];
  pull: boolean;
  /**
   * `provenance` / `sbom` as build-push-action takes them (`mode=max`, `generator=IMAGE`, `true`,
   * `false`), passed to buildx as given; null: buildx's default.
   */
  provenance: string | null;
  sbom: string | null;
  /** `image-annotations`: OCI annotations as buildx's --annotation takes them (`manifest:key=value`). */
  annotations: string[];
}

export interface BuildRequest {
  context: string;
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  platform?: string;
  builder?: string;
  noCache: boolean;
  tags: string[];
  /** Secrets, SSH, named contexts, cache, labels, network, hosts, pull; none when absent. */
  inputs?: BuildInputs;
  signal?: AbortSignal;
  /** Called when a Dockerfile step starts or ends. */
  onStep?: (step: BuildStep) => void;
  /**
   * An empty directory where BuildKit also writes the image as an OCI layout (layers as the store
   * keeps them), for the tool to read its files from instead of the engine's export. Only for a
   * builder that takes several outputs (BuildKit ≥ 0.13: see `layoutOutputSupported`).
   */
  layoutDir?: string;
  /**
   * Build into the cache only, no image (`--output type=cacheonly` instead of `--load`): for a
   * build whose steps are the evidence, not its image. BuildKit ≥ 0.11: see `cacheOnlySupported`.
   */
  cacheOnly?: boolean;
  /**
   * When the SBOM generator image cannot be pulled, build the image without an SBOM (and say so in
   * `sbomNotProduced`) instead of stopping: only where a check will report it (check-attestations).
   */
  sbomFallback?: boolean;
}

export interface BuildOutcome {
  ok: boolean;
  imageId: string | null;
  /** Wall time of the buildx command. */
  seconds: number;
  steps: BuildStep[];
  /** The last lines a reader needs to see why a failed build failed. */
  logTail: string;
  metadata: Record<string, unknown> | null;
  /**
   * The layout written to `layoutDir`, with the config digest that names the image in it; null
   * where none was asked for or the build failed.
   */
  layout: { dir: string; configDigest: string; exportSeconds: number } | null;
  /** Why the image carries no SBOM though `sbom` asked for one (its generator image could not be pulled). */
  sbomNotProduced?: string;
}

/** BuildKit's vertex for the OCI layout output. */
const LAYOUT_EXPORT_STEP = /^exporting to oci image format/;

export function buildxArgs(
  request: BuildRequest,
  files: { iid: string; metadata: string; secrets?: string[] },
): string[] {
  const args = ['buildx', 'build', ...(request.cacheOnly ? ['--output', 'type=cacheonly'] : ['--load'])];
  args.push('--progress=rawjson');
  args.push('--iidfile', files.iid, '--metadata-file', files.metadata, '--file', request.dockerfile);
  if (request.builder) args.push('--builder', request.builder);
  if (request.target) args.push('--target', request.target);
  if (request.platform) args.push('--platform', request.platform);
  if (request.noCache) args.push('--no-cache');
  for (const [key, value] of Object.entries(request.buildArgs)) args.push('--build-arg', `${key}=${value}`);
  for (const tag of request.tags) args.push('--tag', tag);
  // Beside --load, as a directory (tar=false: a tar to stdout is slower), layers as the store keeps
  // them: asking for another compression would make BuildKit compress every layer again.
  if (request.layoutDir) args.push('--output', `type=oci,${csvField(`dest=${request.layoutDir}`)},tar=false`);
  const inputs = request.inputs;
  if (inputs) {
    for (const [key, value] of Object.entries(inputs.labels)) args.push('--label', `${key}=${value}`);
    for (const { name, source } of inputs.buildContexts) args.push('--build-context', `${name}=${source}`);
    for (const entry of inputs.cacheFrom) args.push('--cache-from', entry);
    for (const entry of inputs.cacheTo) args.push('--cache-to', entry);
    // A value only ever reaches buildx as a file (files.secrets, in the order of inputs.secrets).
    inputs.secrets.forEach(({ id }, index) =>
      args.push('--secret', `id=${id},${csvField(`src=${files.secrets![index]}`)}`),
    );
    for (const { id, path } of inputs.secretFiles) args.push('--secret', `id=${id},${csvField(`src=${path}`)}`);
    for (const { id, env } of inputs.secretEnvs) args.push('--secret', `id=${id},env=${env}`);
    for (const entry of inputs.ssh) args.push('--ssh', entry);
    for (const host of inputs.addHosts) args.push('--add-host', host);
    if (inputs.network) args.push('--network', inputs.network);
    if (inputs.pull) args.push('--pull');
    if (inputs.provenance !== null) args.push(`--provenance=${inputs.provenance}`);
    if (inputs.sbom !== null) args.push(`--sbom=${inputs.sbom}`);
    for (const annotation of inputs.annotations) args.push('--annotation', annotation);
  }
  args.push(request.context);
  return args;
}

/** buildx reads --secret as CSV: a field with a comma or a quote is quoted. */
function csvField(field: string): string {
  return /[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/**
 * Every text a build must never show: the secrets' values, the secret variables' values and the
 * secret files' contents — whole, and line by line (a key file's lines) where a line is long
 * enough to be told from ordinary output. Longest first, so no part of one is left showing.
 */
export function secretTexts(inputs: BuildInputs | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!inputs) return [];
  const values: string[] = inputs.secrets.map((secret) => secret.value);
  for (const secret of inputs.secretEnvs) values.push(env[secret.env] ?? '');
  for (const secret of inputs.secretFiles) {
    try {
      const content = readFileSync(secret.path);
      if (content.length <= 64 * 1024) values.push(content.toString('utf8'));
    } catch {
      // Unreadable: buildx says so, and nothing of it can be shown either.
    }
  }
  const texts = new Set<string>();
  for (const value of values) {
    if (value.trim().length >= 3) texts.add(value.trim());
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= 8) texts.add(line.trim());
  }
  return [...texts].sort((a, b) => b.length - a.length);
}

export async function buildImage(request: BuildRequest): Promise<BuildOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-hardening-build-'));
  const hidden = secretTexts(request.inputs);
  const hide = (text: string): string => (hidden.length > 0 ? redactSecrets(text, hidden) : text);
  const shown = (step: BuildStep): BuildStep =>
    hidden.length > 0
      ? { ...step, name: hide(step.name), log: hide(step.log), error: step.error && hide(step.error) }
      : step;
  const files = {
    iid: join(dir, 'iid.txt'),
    metadata: join(dir, 'metadata.json'),
    secrets: (request.inputs?.secrets ?? []).map((_, index) => join(dir, `secret-${index}`)),
  };
  const steps = new BuildSteps();
  const splitter = new RawJsonSplitter(
    (status) => {
      for (const step of steps.apply(status)) {
        if (step.name && (step.completed !== null || step.started !== null)) request.onStep?.(shown(step));
      }
    },
    (line) => steps.text.push(hide(line)),
  );
  try {
    // The directory is mkdtemp's (0700); each secret file is the user's alone too, and goes with it.
    for (const [index, secret] of (request.inputs?.secrets ?? []).entries())
      await writeFile(files.secrets[index], secret.value, { mode: 0o600 });
    const result = await runProcess('docker', buildxArgs(request, files), {
      signal: request.signal,
      onStderr: (chunk) => splitter.push(chunk),
      keep: 16 * 1024,
    }).catch((error: NodeJS.ErrnoException) => {
      throw new InfrastructureError(
        error.code === 'ENOENT'
          ? 'the docker CLI is not on PATH: install Docker (with the buildx plugin)'
          : `could not run docker buildx: ${error.message}`,
      );
    });
    splitter.end();
    if (request.signal?.aborted) throw new InfrastructureError('the build was cancelled');
    const stderr = hide(result.stderr);
    const generator =
      result.code !== 0 ? unpullableGenerator(request.inputs?.sbom ?? null, steps.all().map(shown), stderr) : null;
    if (generator && request.sbomFallback) {
      // The SBOM is the generator's work, not the image's: the image is built without it, and the
      // SBOM check says why none is attached.
      const without = await buildImage({ ...request, inputs: { ...request.inputs!, sbom: null } });
      return {
        ...without,
        sbomNotProduced: `${generatorNotPulled(generator)}, so the image was built without one: let the builder reach it, or name one it can with sbom: generator=IMAGE`,
      };
    }
    // Not the image's failure, and nothing would say its SBOM is missing: the run stops and says why.
    if (generator)
      throw new UsageError(
        `sbom: ${generatorNotPulled(generator)}: let the builder reach it, name one it can with sbom: generator=IMAGE, or set check-attestations to have the image built without one and HARD-SUPPLY-004 say so`,
      );
    if (result.code !== 0 && steps.all().length === 0) {
      // buildx itself refused (no plugin, unknown builder, bad platform): not a verdict on the image.
      throw refusal(stderr);
    }
    if (result.code !== 0 && request.inputs?.pull) {
      const unpullable = await unpullableBase(steps.all().map(shown), stderr);
      if (unpullable) throw unpullable;
    }
    const metadata = result.code === 0 ? await readJson(files.metadata) : null;
    // With a second output the iidfile holds the config digest, which the containerd store does
    // not know an image by; the metadata's image digest is the image the engine holds.
    const digest = metadata?.['containerimage.digest'];
    // No digest to know the image by (a buildx that writes none): built again, from the cache,
    // without the layout — the files are then read from the engine's export.
    if (result.code === 0 && request.layoutDir && typeof digest !== 'string')
      return await buildImage({ ...request, layoutDir: undefined });
    const imageId =
      result.code !== 0 || request.cacheOnly
        ? null
        : request.layoutDir && typeof digest === 'string'
          ? digest
          : (await readFile(files.iid, 'utf8')).trim();
    const recorded = steps.instructionSteps().map(shown);
    const layout = layoutOf(request, await layoutConfigDigest(request, metadata), steps.all());
    return {
      ok: result.code === 0 && (imageId !== null || request.cacheOnly === true),
      imageId,
      // The layout is the tool's own work, not the user's build: its export is not build time.
      seconds: Math.max(0, result.seconds - (layout?.exportSeconds ?? 0)),
      layout,
      steps: recorded,
      logTail: result.code === 0 ? '' : failureTail(steps.all().map(shown), steps.text),
      metadata,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The config digest that names the image in the layout. buildx's metadata gives it for an image
 * alone; for an image with attestations (an index) it gives the index's digest only, so the
 * index is read from the layout: its one image manifest (the others are attestations) names it.
 */
async function layoutConfigDigest(
  request: BuildRequest,
  metadata: Record<string, unknown> | null,
): Promise<string | null> {
  const configDigest = metadata?.['containerimage.config.digest'];
  if (typeof configDigest === 'string') return configDigest;
  const digest = metadata?.['containerimage.digest'];
  if (!request.layoutDir || typeof digest !== 'string') return null;
  const blob = (of: string): Promise<Record<string, unknown> | null> =>
    readJson(join(request.layoutDir!, 'blobs', 'sha256', of.replace(/^sha256:/, '')));
  const index = await blob(digest);
  const manifests = Array.isArray(index?.manifests) ? (index.manifests as Record<string, unknown>[]) : [];
  const images = manifests.filter(
    (entry) =>
      (entry.annotations as Record<string, string> | undefined)?.['vnd.docker.reference.type'] !==
      'attestation-manifest',
  );
  if (images.length !== 1 || typeof images[0].digest !== 'string') return null;
  const config = (await blob(images[0].digest))?.config as { digest?: unknown } | undefined;
  return typeof config?.digest === 'string' ? config.digest : null;
}

function layoutOf(request: BuildRequest, configDigest: string | null, steps: BuildStep[]): BuildOutcome['layout'] {
  if (!request.layoutDir || configDigest === null) return null;
  const step = steps.find((candidate) => LAYOUT_EXPORT_STEP.test(candidate.name));
  // BuildKit may run its exporters side by side: only the time the layout's export goes on past
  // every other step (the image's own export included) is the tool's.
  const othersDone = Math.max(
    0,
    ...steps.filter((other) => other !== step && other.completed !== null).map((other) => other.completed!),
  );
  const exportSeconds =
    step?.started != null && step.completed != null
      ? Math.max(0, (step.completed - Math.max(step.started, othersDone)) / 1000)
      : 0;
  return { dir: request.layoutDir, configDigest, exportSeconds };
}

/**
 * Whether the builder can write an OCI layout beside --load: several outputs need buildx ≥ 0.13
 * and BuildKit ≥ 0.13, i.e. the default builder of Engine ≥ 26 (its BuildKit is the engine's),
 * and the docker driver writes OCI layouts only on the containerd image store (on overlay2 it
 * refuses: "OCI exporter is not supported for the docker driver"). A named builder
 * (docker-container, remote) is not assumed to: it keeps the engine's export.
 */
export function layoutOutputSupported(
  engineVersion: string,
  buildx: string | null,
  builder: string,
  containerdStore: boolean,
): boolean {
  return containerdStore && defaultBuilderAtLeast(engineVersion, buildx, builder, { engine: [26, 0], buildx: [0, 13] });
}

/**
 * Whether the builder can build into its cache only: the cacheonly exporter came with BuildKit
 * 0.11 and buildx 0.10, i.e. the default builder of Engine ≥ 23. A named builder keeps --load.
 */
export function cacheOnlySupported(engineVersion: string, buildx: string | null, builder: string): boolean {
  return defaultBuilderAtLeast(engineVersion, buildx, builder, { engine: [23, 0], buildx: [0, 10] });
}

/** The engine's own builder (no named one), with an engine and a buildx at least these versions. */
function defaultBuilderAtLeast(
  engineVersion: string,
  buildx: string | null,
  builder: string,
  least: { engine: [number, number]; buildx: [number, number] },
): boolean {
  if (builder || !buildx) return false;
  return versionAtLeast(buildx, ...least.buildx) && versionAtLeast(engineVersion, ...least.engine);
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [have = 0, haveMinor = 0] = version
    .replace(/^v/, '')
    .split('.')
    .map((part) => parseInt(part, 10) || 0);
  return have > major || (have === major && haveMinor >= minor);
}

/** Why buildx would not start, as the user can act on it. */
function refusal(stderr: string): Error {
  const cacheExport = /^.*cache export[^\n]*not supported.*$/im.exec(stderr);
  if (cacheExport)
    return new UsageError(
      `cache-to: the builder cannot export cache (buildx: ${cacheExport[0].replace(/^ERROR:\s*(failed to build:\s*)?/, '').trim()}); the docker driver exports cache only with the containerd image store: turn that on, or create a docker-container builder (docker buildx create --use) and give it as builder`,
    );
  return new InfrastructureError(`docker buildx build could not start: ${lastLines(stderr, 5)}`);
}

/**
 * pull: true makes BuildKit fetch every base image from its registry, so one that exists only on
 * this engine (built or loaded here) fails the build. That is the input's doing, not a verdict on
 * the Dockerfile: said as such. A base that exists nowhere stays a failed build, as without pull.
 */
async function unpullableBase(steps: BuildStep[], stderr: string): Promise<UsageError | null> {
  const text = [...steps.map((step) => step.error ?? ''), stderr].join('\n');
  const match = /failed to resolve source metadata for (\S+?): (.*)/.exec(text);
  if (!match) return null;
  const local = await runProcess('docker', ['image', 'inspect', '--format', '{{.Id}}', match[1]]).catch(() => null);
  if (local?.code !== 0) return null;
  return new UsageError(
    `pull: true fetches every base image from its registry, and ${match[1]} could not be fetched (${match[2].split(': ').pop()}); it exists only on this engine (built or loaded here), so it cannot be pulled: set pull to false`,
  );
}

/**
 * BuildKit runs the SBOM generator as an image (docker/buildkit-syft-scanner unless `sbom` names
 * another with generator=): one it cannot pull fails the whole build at once. Said with the
 * registry's answer, or null when the build failed for another reason.
 */
export function unpullableGenerator(
  sbom: string | null,
  steps: BuildStep[],
  stderr: string,
): { image: string; cause: string } | null {
  if (sbom === null || sbom === 'false') return null;
  const named = /(?:^|,)\s*generator=([^,]+)/.exec(sbom)?.[1]?.trim() ?? DEFAULT_SBOM_GENERATOR;
  const text = [...steps.map((step) => step.error ?? ''), stderr].join('\n');
  const match = /failed to resolve source metadata for (\S+?): (.*)/.exec(text);
  if (!match || comparableName(match[1]) !== comparableName(named)) return null;
  return { image: match[1], cause: match[2].split(': ').pop() ?? match[2] };
}

export function generatorNotPulled(generator: { image: string; cause: string }): string {
  return `the SBOM generator image ${generator.image} could not be pulled (${generator.cause})`;
}

/** BuildKit's default SBOM generator. */
const DEFAULT_SBOM_GENERATOR = 'docker/buildkit-syft-scanner';

/** An image's repository as the engine stores it, without its tag or digest. */
function comparableName(reference: string): string {
  return parseImageReference(canonicalImageName(reference)).name;
}

/** The failing step's name and last log lines, and buildx's own error lines. */
function failureTail(steps: BuildStep[], text: string[], lines = 20): string {
  const failed = steps.find((step) => step.error);
  const parts: string[] = [];
  if (failed) {
    parts.push(`step ${failed.name} failed: ${failed.error}`);
    if (failed.log.trim()) parts.push(lastLines(failed.log, lines));
  }
  const errors = text.filter((line) => /^(ERROR|error)\b/.test(line));
  if (errors.length > 0) parts.push(...errors.slice(-3));
  else if (!failed) parts.push(...text.slice(-lines));
  return parts.join('\n');
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The driver of buildx's selected builder (`docker`, `docker-container`, `remote`…); null when it says none. */
export async function builderDriver(builder?: string): Promise<string | null> {
  const result = await runProcess('docker', ['buildx', 'inspect', ...(builder ? ['--builder', builder] : [])]);
  if (result.code !== 0) return null;
  return /^\s*Driver:\s*(\S+)/m.exec(result.stdout)?.[1] ?? null;
}

/**
 * Whether a builder that lists `available` (builderPlatforms) builds `platform`: listed as it is,
 * or with a variant (`linux/arm64` as `linux/arm64/v8`, `linux/arm` as `linux/arm/v7`).
 */
export function builderBuilds(available: readonly string[], platform: string): boolean {
  return available.some((candidate) => candidate === platform || candidate.startsWith(`${platform}/`));
}

/** The platforms the builder can build for (`docker buildx inspect`), e.g. linux/amd64, linux/386. */
export async function builderPlatforms(builder?: string): Promise<string[]> {
  const result = await runProcess('docker', ['buildx', 'inspect', ...(builder ? ['--builder', builder] : [])]);
  if (result.code !== 0)
    throw new InfrastructureError(
      `docker buildx inspect${builder ? ` --builder ${builder}` : ''} failed: ${lastLines(result.stderr, 1)}`,
    );
  const line = result.stdout.split('\n').find((text) => /^\s*Platforms:/.test(text));
  return line
    ? line
        .replace(/^\s*Platforms:\s*/, '')
        .split(',')
        .map((platform) => platform.trim().replace(/\*$/, ''))
        .filter(Boolean)
    : [];
}
