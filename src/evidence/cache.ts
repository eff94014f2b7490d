import { link, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile, copyFile, lstat } from 'node:fs/promises';
import { randomInt, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildImage, type BuildRequest } from '../docker/buildx.js';
import type { Engine } from '../docker/engine.js';
import type { BuildStepRecord } from './build.js';
import type { ContextEvidence } from './context.js';
import { toStepRecords } from './build.js';

// What the layer cache does for this Dockerfile: a rebuild with nothing changed (all steps should
// come from the cache), and a rebuild after one application file changed — in a copy of the
// context, so the user's files are never touched — to see which steps re-ran.

export interface RebuildRecord {
  ok: boolean;
  seconds: number;
  steps: BuildStepRecord[];
}

export interface CacheProbeRecord {
  /** The file changed in the copy (context-relative), and how: a newline appended. */
  changedFile: string;
  ok: boolean;
  seconds: number;
  steps: BuildStepRecord[];
  logTail: string;
}

/**
 * The cache builds get every build input of the build under test (secrets, SSH, named contexts —
 * absolute paths, so the probe's copy of the context still finds them —, cache-from, labels,
 * network, hosts, pull) but write no cache-to: the unchanged rebuild would write the same, and
 * the probe's edited copy would replace the user's cache with one of an image never shipped. Nor
 * do they ask for provenance or an SBOM: their images are not shipped, and an SBOM generator
 * would run again in each.
 */
export function cacheBuild(request: BuildRequest): BuildRequest {
  return {
    ...request,
    noCache: false,
    tags: [],
    ...(request.inputs
      ? { inputs: { ...request.inputs, cacheTo: [], provenance: null, sbom: null, annotations: [] } }
      : {}),
  };
}

export async function rebuildUnchanged(
  engine: Engine,
  request: BuildRequest,
  keepImageId: string,
): Promise<RebuildRecord> {
  const outcome = await buildImage(cacheBuild(request));
  await removeUnlessKept(engine, outcome.imageId, keepImageId);
  return { ok: outcome.ok, seconds: outcome.seconds, steps: toStepRecords(outcome.steps) };
}

/**
 * A rebuild's image is not the user's: removed unless it is the image under test. On overlay2 an
 * unchanged rebuild gives the same id; on the containerd store a new one each time (the id is the
 * digest of an index holding the build's provenance), which would pile up.
 */
async function removeUnlessKept(engine: Engine, imageId: string | null, keepImageId: string): Promise<void> {
  if (imageId && imageId !== keepImageId)
    await engine
      .getImage(imageId)
      .remove({ noprune: false })
      .catch(() => undefined);
}

export async function probeCacheOrdering(
  engine: Engine,
  request: BuildRequest,
  context: ContextEvidence,
  changedFile: string,
  keepImageId: string,
): Promise<CacheProbeRecord> {
  const copy = await mkdtemp(join(tmpdir(), 'cs-hardening-context-'));
  try {
    await copyContext(request.context, copy, context);
    const target = join(copy, changedFile);
    const original = await readFile(target);
    // A new file, not a write through the hard link: the user's file must stay as it is.
    await rm(target);
    await writeFile(target, Buffer.concat([original, Buffer.from(probeEdit(changedFile))]));
    const outcome = await buildImage({ ...cacheBuild(request), context: copy });
    await removeUnlessKept(engine, outcome.imageId, keepImageId);
    return {
      changedFile,
      ok: outcome.ok,
      seconds: outcome.seconds,
      steps: toStepRecords(outcome.steps),
      logTail: outcome.logTail,
    };
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

const LINE_COMMENT: [RegExp, (text: string) => string][] = [
  [/\.(py|sh|bash|rb|ya?ml|toml|r|pl|ex|exs|conf|cfg|ini)$/i, (text) => `# ${text}`],
  [/\.(js|mjs|cjs|jsx|ts|tsx|go|java|kt|scala|c|cc|cpp|h|hpp|cs|fs|rs|swift|dart)$/i, (text) => `// ${text}`],
  [/\.(css|scss|less)$/i, (text) => `/* ${text} */`],
  [/\.(html?|xml|svg|vue|svelte)$/i, (text) => `<!-- ${text} -->`],
  [/\.sql$/i, (text) => `-- ${text}`],
];

/**
 * What is appended to the changed file: unique per run, or the previous probe's edit would
 * already be in the cache and nothing would re-run. A comment where the language has one,
 * else a random run of trailing newlines (harmless in nearly any text format).
 */
export function probeEdit(path: string): string {
  const nonce = randomUUID();
  const comment = LINE_COMMENT.find(([pattern]) => pattern.test(path));
  if (comment) return `\n${comment[1](`cs-docker-hardening cache probe ${nonce}`)}\n`;
  return '\n'.repeat(1 + randomInt(4096));
}

/** The files BuildKit would send, hard-linked where the file system allows (no data copied). */
async function copyContext(from: string, to: string, context: ContextEvidence): Promise<void> {
  const paths = context.files.map((file) => file.path);
  if (context.ignoreFile?.endsWith('/.dockerignore') || context.ignoreFile === '.dockerignore')
    paths.push('.dockerignore');
  for (const path of paths) {
    const source = join(from, path);
    const destination = join(to, path);
    await mkdir(dirname(destination), { recursive: true });
    const stat = await lstat(source).catch(() => null);
    if (!stat) continue;
    if (stat.isSymbolicLink()) await symlink(await readlink(source), destination);
    else await link(source, destination).catch(() => copyFile(source, destination));
  }
}
