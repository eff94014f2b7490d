import { readFileSync, realpathSync } from 'node:fs';
import { parseDockerfile } from '../evidence/dockerfile.js';
import type { Draft } from './draft-targets.js';

// What makes a draft build the image it is — its files (real paths), its stage, its effective
// build args — read from its Dockerfile once per plan. Deduping and naming the targets both ask.

/** What makes a build the image it is: its files (real paths), its stage, its effective build args. */
export interface BuildIdentity {
  source: string;
  /** Lower case; '' for the default (last) stage, however it is named. */
  stage: string;
  args: Record<string, string>;
}

export function buildIdentity(draft: Draft, read: (path: string) => DockerfileFacts | null): BuildIdentity | null {
  if (!draft.dockerfilePath) return null;
  const facts = read(draft.dockerfilePath);
  const stage = draft.stage?.toLowerCase() ?? '';
  return {
    source: `${real(draft.contextDir)} ${real(draft.dockerfilePath)}`,
    stage: facts?.lastStage !== null && stage === facts?.lastStage ? '' : stage,
    args: effectiveArgs(draft.buildArgs, facts),
  };
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export interface DockerfileFacts {
  /** Every ARG with its declared default (null without one). */
  declared: Map<string, string | null>;
  /** The last stage's name, lower case; null when it has none. */
  lastStage: string | null;
}

/** Reads each Dockerfile once per plan; null when it cannot be read. */
export function dockerfileFacts(): (path: string) => DockerfileFacts | null {
  const cache = new Map<string, DockerfileFacts | null>();
  return (path) => {
    if (!cache.has(path)) {
      let facts: DockerfileFacts | null;
      try {
        const parsed = parseDockerfile(readFileSync(path, 'utf8'), { path: 'Dockerfile' });
        facts = { declared: declaredArgs(parsed), lastStage: parsed.stages.at(-1)?.name?.toLowerCase() ?? null };
      } catch {
        facts = null;
      }
      cache.set(path, facts);
    }
    return cache.get(path)!;
  };
}

/**
 * The build args that change the build: an arg the Dockerfile does not declare is not used, and
 * one that restates its declared default changes nothing (`BASE_IMAGE: python:3.11-slim` beside
 * `ARG BASE_IMAGE=python:3.11-slim` is the same build as none). A default that is not plain text
 * (`ARG B=${A}`) is never taken as restated: two builds are merged only when surely the same.
 */
function effectiveArgs(args: Record<string, string>, facts: DockerfileFacts | null): Record<string, string> {
  if (!facts) return args;
  return Object.fromEntries(
    Object.entries(args).filter(([name, value]) => facts.declared.has(name) && facts.declared.get(name) !== value),
  );
}

/** Every ARG of a Dockerfile with its default (null without one). */
function declaredArgs(parsed: ReturnType<typeof parseDockerfile>): Map<string, string | null> {
  const declared = new Map<string, string | null>(Object.entries(parsed.globalArgs));
  for (const stage of parsed.stages) {
    for (const arg of stage.args) {
      if (!declared.has(arg.name) || arg.written !== null) declared.set(arg.name, arg.written);
    }
  }
  return declared;
}
