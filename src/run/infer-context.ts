import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseDockerfile } from '../evidence/dockerfile.js';

// The build context of a Dockerfile found by `discover`, which nothing names: many repositories
// build `backend/docker/Dockerfile` from their root (`docker build -f backend/docker/Dockerfile .`),
// so its own directory is only a guess. In order: a compose file of the repository that builds it
// says its context; else the directory, from its own up to where the search started, under which
// its COPY and ADD sources are; else its own directory, said to be a guess when its sources are
// under none of them (a checkout without them), so nothing about the context is asserted.

export interface InferredContext {
  dir: string;
  /** Why the context is only a guess, or null when a compose file or the sources tell it. */
  uncertain: string | null;
}

/** Every compose file under `root` that builds a Dockerfile: Dockerfile → its context. */
export function composeBuildContexts(files: string[]): Map<string, string> {
  const contexts = new Map<string, string>();
  for (const file of files) {
    let model: unknown;
    try {
      model = parse(readFileSync(file, 'utf8'), { merge: true, maxAliasCount: 1000 });
    } catch {
      continue; // a file compose itself could not read tells nothing
    }
    const services = (model as { services?: Record<string, unknown> } | null)?.services;
    if (!services || typeof services !== 'object') continue;
    for (const service of Object.values(services)) {
      const build = (service as { build?: unknown } | null)?.build;
      const spec = typeof build === 'string' ? { context: build } : (build as Record<string, unknown> | undefined);
      const context = typeof spec?.context === 'string' ? spec.context : spec ? '.' : null;
      if (context === null || context.includes('$') || /^[a-z]+:\/\//.test(context)) continue;
      const dir = resolve(dirname(file), context);
      const dockerfile = typeof spec?.dockerfile === 'string' ? spec.dockerfile : 'Dockerfile';
      if (dockerfile.includes('$')) continue;
      contexts.set(resolve(dir, dockerfile), dir);
    }
  }
  return contexts;
}

export function inferBuildContext(
  dockerfilePath: string,
  root: string,
  composeContexts: Map<string, string>,
): InferredContext {
  const own = dirname(dockerfilePath);
  const fromCompose = composeContexts.get(dockerfilePath);
  if (fromCompose) return { dir: fromCompose, uncertain: null };
  const sources = copySourcesOf(dockerfilePath);
  if (sources.length === 0) return { dir: own, uncertain: null };
  const candidates: string[] = [];
  for (let dir = own; ; dir = dirname(dir)) {
    candidates.push(dir);
    if (dir === root || relative(root, dir).startsWith('..') || dir === dirname(dir)) break;
  }
  // The nearest directory under which the most sources are.
  let best = { dir: own, found: 0 };
  for (const dir of candidates) {
    const found = sources.filter((source) => existsSync(join(dir, staticPrefix(source)))).length;
    if (found > best.found) best = { dir, found };
  }
  if (best.found > 0) return { dir: best.dir, uncertain: null };
  return {
    dir: own,
    uncertain: `its COPY/ADD sources (${sources.slice(0, 3).join(', ')}${sources.length > 3 ? ', …' : ''}) are under none of the directories from its own up to where discover started, so its build context is a guess`,
  };
}

/** The context paths a Dockerfile copies from (not from a stage, an image or a URL). */
function copySourcesOf(dockerfilePath: string): string[] {
  let text: string;
  try {
    text = readFileSync(dockerfilePath, 'utf8');
  } catch {
    return [];
  }
  const parsed = parseDockerfile(text, { path: dockerfilePath });
  const sources = new Set<string>();
  for (const stage of parsed.stages) {
    for (const instruction of stage.instructions) {
      if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') continue;
      const args = instruction.args.trim();
      if (/(^|\s)--from=/.test(args) || args.includes('<<')) continue;
      const words = args.startsWith('[')
        ? safeJson(args)
        : args
            .split(/\s+/)
            .filter((word) => word && !word.startsWith('--'))
            .map((word) => word.replace(/^["'](.*)["']$/, '$1'));
      for (const source of words.slice(0, -1))
        if (!/^[a-z]+:\/\//i.test(source) && !source.includes('$') && source !== '.' && source !== './')
          sources.add(source.replace(/^\.\//, ''));
    }
  }
  return [...sources];
}

function safeJson(text: string): string[] {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? value.map(String) : [];
  } catch {
    return [];
  }
}

/** The part of a source before its first wildcard: `Docker/*.conf` → `Docker/`. */
function staticPrefix(source: string): string {
  const wildcard = source.search(/[*?[]/);
  return wildcard === -1 ? source : source.slice(0, wildcard);
}
