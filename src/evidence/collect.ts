import { readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { buildImage } from '../docker/buildx.js';
import { isInstructionStep } from '../docker/rawjson.js';
import { connectEngine, type Engine } from '../docker/engine.js';
import type { Options } from '../inputs/resolve.js';
import type { Target } from '../model.js';
import type { Progress } from '../progress.js';
import { UsageError, errorMessage } from '../util/errors.js';
import { formatSeconds } from '../util/format.js';
import type { BuildEvidence } from './build.js';
import { collected, failed, skipped, type Collected } from './collected.js';
import { parseDockerfile, type DockerfileEvidence } from './dockerfile.js';
import { collectFilesystemEvidence } from './filesystem.js';
import { collectImageEvidence } from './image.js';
import type { EvidenceSet } from './types.js';

// Runs the collectors in order: read the files, build (or take the given image), inspect, then
// the collectors that need the image. A collector records facts; it never decides pass or fail.

export interface Collection {
  evidence: EvidenceSet;
  target: Target;
}

export async function collectEvidence(options: Options, progress: Progress, signal?: AbortSignal): Promise<Collection> {
  const { settings } = options;
  const dockerfile = await progress.phase('dockerfile', () => readDockerfile(options));
  const target: Target = {
    context: repoPath(options, options.contextDir),
    dockerfile: options.dockerfilePath ? repoPath(options, options.dockerfilePath) : null,
    image: settings.image || null,
    imageId: null,
  };
  const evidence: EvidenceSet = {
    build: skipped('static mode: nothing is built'),
    image: skipped('static mode: no image is inspected'),
    filesystem: skipped('static mode: no image is inspected'),
    dockerfile,
  };
  if (settings.mode === 'static') return { evidence, target };

  const engine = await progress.phase('engine', () => connectEngine());
  let imageRef = settings.image;
  if (!imageRef) {
    const build = await progress.phase('build', () => runBuild(options, progress, signal));
    evidence.build = collected(build);
    if (!build.ok || !build.imageId) {
      evidence.image = skipped('the build failed, so there is no image');
      evidence.filesystem = skipped('the build failed, so there is no image');
      return { evidence, target };
    }
    imageRef = build.imageId;
  } else {
    evidence.build = skipped(`checking the given image ${settings.image}: nothing was built`);
  }

  const image = await progress.phase('inspect', () => collectImageEvidence(engine, imageRef));
  evidence.image = collected(image);
  target.imageId = image.id;
  target.image ??= image.repoTags[0] ?? image.id;
  evidence.filesystem = await progress.phase('filesystem', () => collectFilesystem(engine, image.id, signal));
  return { evidence, target };
}

async function readDockerfile(options: Options): Promise<Collected<DockerfileEvidence>> {
  if (!options.dockerfilePath) return skipped('no Dockerfile: checking a built image only');
  const path = repoPath(options, options.dockerfilePath);
  const content = await readFile(options.dockerfilePath, 'utf8');
  const parsed = parseDockerfile(content, {
    path,
    buildArgs: options.settings.buildArgs,
    ...(options.settings.target ? { target: options.settings.target } : {}),
  });
  const syntax = parsed.syntaxErrors[0];
  if (syntax) throw new UsageError(`${path}:${syntax.line}: ${syntax.message}; fix the Dockerfile (BuildKit would refuse it too)`);
  if (parsed.finalStage < 0) {
    const names = parsed.stages.map((stage) => stage.name).filter(Boolean).join(', ') || 'none';
    throw new UsageError(`target: no stage named '${options.settings.target}' in ${path} (named stages: ${names})`);
  }
  return collected(parsed);
}

async function runBuild(options: Options, progress: Progress, signal?: AbortSignal): Promise<BuildEvidence> {
  const { settings } = options;
  const outcome = await buildImage({
    context: options.contextDir,
    dockerfile: options.dockerfilePath!,
    buildArgs: settings.buildArgs,
    noCache: settings.noCache,
    tags: [],
    ...(settings.target ? { target: settings.target } : {}),
    ...(settings.platform ? { platform: settings.platform } : {}),
    ...(settings.builder ? { builder: settings.builder } : {}),
    ...(signal ? { signal } : {}),
    onStep(step) {
      if (step.completed === null || !isInstructionStep(step.name)) return;
      const how = step.error ? 'failed' : step.cached ? 'cached' : formatSeconds(((step.completed ?? 0) - (step.started ?? 0)) / 1000);
      progress.info(`${step.name} (${how})`);
    },
  });
  return {
    ok: outcome.ok,
    imageId: outcome.imageId,
    seconds: outcome.seconds,
    noCache: settings.noCache,
    steps: outcome.steps.map((step) => ({
      name: step.name,
      cached: step.cached,
      seconds: step.started !== null && step.completed !== null ? (step.completed - step.started) / 1000 : null,
      error: step.error,
    })),
    logTail: outcome.logTail,
  };
}

async function collectFilesystem(engine: Engine, imageId: string, signal?: AbortSignal): Promise<EvidenceSet['filesystem']> {
  try {
    return collected(await collectFilesystemEvidence(engine, imageId, signal));
  } catch (error) {
    return failed(errorMessage(error));
  }
}

export function repoPath(options: Options, path: string): string {
  const shown = relative(options.workspace, path).split(sep).join('/');
  return shown === '' ? '.' : shown;
}
