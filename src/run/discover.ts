import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { ignoreMatcher, parseIgnoreFile } from '../evidence/context.js';
import { runProcess } from '../util/process.js';

// `discover: true`: every Dockerfile under a directory, as a monorepo holds them. What .gitignore
// excludes is not the repository's (build output, vendored code); what a .dockerignore of a
// directory above excludes is not an image of that directory (test fixtures, examples).

/** `Dockerfile`, `Dockerfile.prod`, `Dockerfile-alpine`, `api.Dockerfile`, `Containerfile` (any case of the D). */
export const DOCKERFILE_NAME = /^(([Dd]ockerfile|Containerfile)([.-][^/]+)?|[^/]+\.([Dd]ockerfile|Containerfile))$/;

/** Compose files by the names compose and projects give them (`compose.yaml`, `.ci/compose.cypress.yaml`). */
const COMPOSE_NAME = /^((docker-)?compose[^/]*|[^/]*[-.]compose)\.ya?ml$/;

/** The Dockerfiles under `root` (absolute, sorted), and the compose files, which may say how they are built. */
export async function discoverFiles(root: string): Promise<{ dockerfiles: string[]; composeFiles: string[] }> {
  const files = (await gitListing(root)) ?? (await walk(root));
  return {
    dockerfiles: await dockerfilesAmong(root, files),
    composeFiles: files.filter((path) => COMPOSE_NAME.test(basename(path))).sort(),
  };
}

/** Absolute paths of the Dockerfiles under `root`, sorted. */
export async function discoverDockerfiles(root: string): Promise<string[]> {
  return (await discoverFiles(root)).dockerfiles;
}

async function dockerfilesAmong(root: string, files: string[]): Promise<string[]> {
  const candidates = files.filter((path) => DOCKERFILE_NAME.test(basename(path)) && !path.endsWith('.dockerignore'));
  const kept: string[] = [];
  for (const path of candidates) if (!(await excludedByDockerignore(root, path))) kept.push(path);
  return kept.sort();
}

/** In a git work tree: the files git tracks or would track (.gitignore applied by git itself). */
async function gitListing(root: string): Promise<string[] | null> {
  const listed = await runProcess('git', ['-C', root, 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    keep: 64 * 1024 * 1024,
  }).catch(() => null);
  if (!listed || listed.code !== 0) return null;
  return listed.stdout
    .split('\0')
    .filter(Boolean)
    .map((path) => join(root, path))
    .filter((path) => existsSync(path));
}

/** Outside git: every file, without node_modules and version-control directories. */
async function walk(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '.git') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await walk(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

/**
 * A .dockerignore of a directory above the Dockerfile's, up to `root`, that excludes it. (Its own
 * directory's .dockerignore is its build context's: listing the Dockerfile there keeps it out of
 * the context, not out of the repository's images.)
 */
async function excludedByDockerignore(root: string, path: string): Promise<boolean> {
  const inside = (dir: string): boolean => !relative(root, dir).startsWith('..');
  for (let dir = dirname(dirname(path)); inside(dir); dir = dirname(dir)) {
    const ignore = join(dir, '.dockerignore');
    if (existsSync(ignore)) {
      // `**/Dockerfile` keeps Dockerfiles out of a build context (a repository built from its
      // root with `-f backend/Dockerfile`): it says nothing of which directories hold images.
      const patterns = parseIgnoreFile(await readFile(ignore, 'utf8'))
        .map((entry) => entry.pattern)
        .filter((pattern) => !namesDockerfiles(pattern));
      if (ignoreMatcher(patterns)(relative(dir, path).split(sep).join('/'))) return true;
    }
    if (dir === root || dir === dirname(dir)) break;
  }
  return false;
}

// A pattern whose last part names Dockerfiles: `Dockerfile`, `Dockerfile*`, `*.Dockerfile` under any directory.
function namesDockerfiles(pattern: string): boolean {
  const last = pattern.replace(/^!/, '').split('/').pop() ?? '';
  return /ockerfile|ontainerfile/.test(last);
}
