import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfrastructureError } from '../util/errors.js';
import { runProcess } from '../util/process.js';
import { BuildSteps, RawJsonSplitter, type BuildStep } from './rawjson.js';

// Builds with the buildx CLI (not the engine API's /build, which knows no BuildKit features),
// reading the image id from --iidfile and step data from --progress=rawjson rather than from
// scraped text.

export interface BuildRequest {
  context: string;
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  platform?: string;
  builder?: string;
  noCache: boolean;
  tags: string[];
  signal?: AbortSignal;
  /** Called when a Dockerfile step starts or ends. */
  onStep?: (step: BuildStep) => void;
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
}

export function buildxArgs(request: BuildRequest, files: { iid: string; metadata: string }): string[] {
  const args = ['buildx', 'build', '--load', '--progress=rawjson'];
  args.push('--iidfile', files.iid, '--metadata-file', files.metadata, '--file', request.dockerfile);
  if (request.builder) args.push('--builder', request.builder);
  if (request.target) args.push('--target', request.target);
  if (request.platform) args.push('--platform', request.platform);
  if (request.noCache) args.push('--no-cache');
  for (const [key, value] of Object.entries(request.buildArgs)) args.push('--build-arg', `${key}=${value}`);
  for (const tag of request.tags) args.push('--tag', tag);
  args.push(request.context);
  return args;
}

export async function buildImage(request: BuildRequest): Promise<BuildOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-hardening-build-'));
  const files = { iid: join(dir, 'iid.txt'), metadata: join(dir, 'metadata.json') };
  const steps = new BuildSteps();
  const splitter = new RawJsonSplitter(
    (status) => {
      for (const step of steps.apply(status)) {
        if (step.name && (step.completed !== null || step.started !== null)) request.onStep?.(step);
      }
    },
    (line) => steps.text.push(line),
  );
  try {
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
    if (result.code !== 0 && steps.all().length === 0) {
      // buildx itself refused (no plugin, unknown builder, bad platform): not a verdict on the image.
      throw new InfrastructureError(`docker buildx build could not start: ${lastLines(result.stderr, 5)}`);
    }
    const imageId = result.code === 0 ? (await readFile(files.iid, 'utf8')).trim() : null;
    const metadata = result.code === 0 ? await readJson(files.metadata) : null;
    return {
      ok: result.code === 0 && imageId !== null,
      imageId,
      seconds: result.seconds,
      steps: steps.instructionSteps(),
      logTail: result.code === 0 ? '' : failureTail(steps),
      metadata,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The failing step's name and last log lines, and buildx's own error lines. */
function failureTail(steps: BuildSteps, lines = 20): string {
  const failed = steps.all().find((step) => step.error);
  const parts: string[] = [];
  if (failed) {
    parts.push(`step ${failed.name} failed: ${failed.error}`);
    if (failed.log.trim()) parts.push(lastLines(failed.log, lines));
  }
  const errors = steps.text.filter((line) => /^(ERROR|error)\b/.test(line));
  if (errors.length > 0) parts.push(...errors.slice(-3));
  else if (!failed) parts.push(...steps.text.slice(-lines));
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
