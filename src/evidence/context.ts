import * as dockerignoreModule from '@balena/dockerignore';
import { existsSync } from 'node:fs';
import { lstat, open, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { ContextFile } from './context-file.js';
import { filesToRead } from './copied.js';
import { parseDockerfile, type DockerfileEvidence } from './dockerfile.js';
import { KEY_LIKE } from './filesystem.js';
import { manifestFacts, scriptFacts, type ManifestFacts, type ScriptFacts } from './scripts.js';

// The build context as BuildKit will send it: every file under the context directory that the
// .dockerignore does not exclude, by Docker's own matching rules (`*` stays in one directory,
// `**` crosses them, `!` re-includes even below an excluded directory).

// The package is CommonJS (`module.exports = factory`) but its types declare an ES default export:
// the factory is the namespace's `default` under Node's ESM loader, ncc and jest alike.
type IgnoreFactory = (options?: { ignorecase?: boolean }) => {
  add(patterns: string[]): { ignores(path: string): boolean };
};
const dockerignore = ((dockerignoreModule as unknown as { default?: IgnoreFactory }).default ??
  dockerignoreModule) as IgnoreFactory;

export type { ContextFile };

export interface IgnorePattern {
  line: number;
  pattern: string;
}

export interface ContextEvidence {
  /**
   * The ignore file BuildKit uses: `<Dockerfile>.dockerignore` beside the Dockerfile, else
   * `<context>/.dockerignore`; null when none.
   */
  ignoreFile: string | null;
  patterns: IgnorePattern[];
  files: ContextFile[];
  totalBytes: number;
  /** Files the ignore file keeps out of the context. */
  excludedFiles: number;
  /** The start of key-like files that would be sent (to tell a private key from a certificate). */
  keyFiles: Record<string, string>;
  /**
   * The directory taken as the context and, when nothing says it is the one the project builds
   * from (a Dockerfile `discover` found), why it is only a guess: findings about it are hedged.
   */
  dir?: string;
  uncertain?: string | null;
  /**
   * Files the Dockerfile copies in whose name an ENTRYPOINT or CMD names (entrypoint and start
   * scripts), by context path: what each execs and whether it drops root. Absent in evidence
   * recorded before they were read.
   */
  scripts?: Record<string, ScriptFacts>;
  /** The package.json files the Dockerfile copies in, by context path: their devDependencies (null: not JSON). */
  manifests?: Record<string, ManifestFacts | null>;
}

export interface ContextOptions {
  contextDir: string;
  dockerfilePath: string | null;
  /** Turns an absolute path into the repository-relative one reports use. */
  show: (path: string) => string;
  /** Why the context directory is only a guess, or null. */
  uncertain?: string | null;
  /** The Dockerfile as parsed for the target, when the caller has it; else it is read from dockerfilePath. */
  dockerfile?: DockerfileEvidence;
}

/** Larger files are no entrypoint script or manifest worth reading. */
const READ_LIMIT = 512 * 1024;
/** At most this many of each are read (a monorepo's `COPY . .` brings every package.json). */
const READ_COUNT = 200;

/** Docker's own matching of .dockerignore patterns: whether a context-relative path is excluded. */
export function ignoreMatcher(patterns: string[]): (path: string) => boolean {
  const matcher = dockerignore({ ignorecase: false }).add(patterns);
  return (path) => matcher.ignores(path);
}

export async function collectContextEvidence(options: ContextOptions): Promise<ContextEvidence> {
  const ignorePath = findIgnoreFile(options.contextDir, options.dockerfilePath);
  const patterns = ignorePath ? parseIgnoreFile(await readFile(ignorePath, 'utf8')) : [];
  const matcher = dockerignore({ ignorecase: false }).add(patterns.map((entry) => entry.pattern));
  const exceptions = patterns
    .map((entry) => entry.pattern)
    .filter((pattern) => pattern.startsWith('!'))
    .map((pattern) => pattern.slice(1).replace(/^\/+/, ''));
  const files: ContextFile[] = [];
  const keyFiles: Record<string, string> = {};
  let excludedFiles = 0;

  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const absolute = join(dir, entry.name);
      const path = relative(options.contextDir, absolute).split(sep).join('/');
      const ignored = matcher.ignores(path);
      if (entry.isDirectory()) {
        // An excluded directory is walked only when an exception might re-include something in it.
        if (ignored && !exceptions.some((exception) => mayMatchBelow(exception, path))) {
          excludedFiles += await countFiles(absolute);
          continue;
        }
        await walk(absolute);
        continue;
      }
      if (ignored) {
        excludedFiles++;
        continue;
      }
      const stat = await lstat(absolute);
      files.push({ path, size: stat.size });
      if (stat.isFile() && KEY_LIKE.test(`/${path}`)) keyFiles[path] = await readStart(absolute);
    }
  };
  await walk(options.contextDir);
  // Byte order, not the locale's: the same list on every machine.
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const { scripts, manifests } = await readCopiedFiles(options, files);
  return {
    ignoreFile: ignorePath ? options.show(ignorePath) : null,
    patterns,
    files,
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
    excludedFiles,
    keyFiles,
    dir: options.show(options.contextDir),
    uncertain: options.uncertain ?? null,
    scripts,
    manifests,
  };
}

/** The entrypoint scripts and package.json files the Dockerfile copies in, read into facts. */
async function readCopiedFiles(
  options: ContextOptions,
  files: ContextFile[],
): Promise<Required<Pick<ContextEvidence, 'scripts' | 'manifests'>>> {
  const scripts: Record<string, ScriptFacts> = {};
  const manifests: Record<string, ManifestFacts | null> = {};
  const dockerfile = options.dockerfile ?? (await readDockerfileQuietly(options.dockerfilePath));
  if (!dockerfile) return { scripts, manifests };
  const wanted = filesToRead(dockerfile, files);
  const readable = (file: ContextFile): boolean => file.size <= READ_LIMIT;
  for (const file of wanted.scripts.filter(readable).slice(0, READ_COUNT)) {
    const text = await readText(join(options.contextDir, file.path));
    if (text !== null) scripts[file.path] = scriptFacts(file.path, text);
  }
  for (const file of wanted.manifests.filter(readable).slice(0, READ_COUNT)) {
    const text = await readText(join(options.contextDir, file.path));
    if (text !== null) manifests[file.path] = manifestFacts(text);
  }
  return { scripts, manifests };
}

/** The Dockerfile's structure for choosing what to read; a file that does not parse chooses nothing. */
async function readDockerfileQuietly(path: string | null): Promise<DockerfileEvidence | null> {
  if (!path) return null;
  const text = await readText(path);
  return text === null ? null : parseDockerfile(text, { path });
}

/** A regular file's text; null for a symlink to nowhere, a directory or an unreadable file. */
async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

async function readStart(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
}

function findIgnoreFile(contextDir: string, dockerfilePath: string | null): string | null {
  if (dockerfilePath) {
    const specific = join(dirname(dockerfilePath), `${basename(dockerfilePath)}.dockerignore`);
    if (existsSync(specific)) return specific;
  }
  const shared = join(contextDir, '.dockerignore');
  return existsSync(shared) ? shared : null;
}

/** Patterns with their line numbers; comments and blank lines dropped, as Docker reads them. */
export function parseIgnoreFile(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const pattern = raw.trim();
    if (pattern === '' || pattern.startsWith('#')) return;
    patterns.push({ line: index + 1, pattern });
  });
  return patterns;
}

/** Whether an exception pattern could match a path below `dir` (its literal prefix agrees). */
function mayMatchBelow(exception: string, dir: string): boolean {
  const literal = exception.split(/[*?[]/)[0] ?? '';
  return literal === '' || literal.startsWith(`${dir}/`) || `${dir}/`.startsWith(literal) || literal.startsWith('**');
}

async function countFiles(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    count += entry.isDirectory() ? await countFiles(join(dir, entry.name)) : 1;
  }
  return count;
}
