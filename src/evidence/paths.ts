import { posix } from 'node:path';
import type { FileRecord } from './filesystem.js';

// Looking things up in the image's merged filesystem the way the kernel would: following
// symlinks (absolute or relative, also in parent directories) and searching PATH.

export type Files = Record<string, FileRecord>;

const MAX_LINKS = 40; // as Linux's ELOOP limit

/** The record a path finally refers to, following symlinks; null when missing or dangling. */
export function resolveFile(files: Files, path: string): FileRecord | null {
  let current = posix.normalize(path);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    const resolved = resolveParents(files, current);
    if (resolved === null) return null;
    const record = files[resolved];
    if (!record) return null;
    if (record.type !== 'symlink' || !record.linkname) return record;
    current = posix.resolve(posix.dirname(resolved), record.linkname);
  }
  return null;
}

/** Rewrites a path whose parent directories are symlinks (/bin → usr/bin on merged-/usr images). */
function resolveParents(files: Files, path: string): string | null {
  const parts = path.split('/').filter(Boolean);
  let prefix = '';
  for (let i = 0; i < parts.length - 1; i++) {
    let next = `${prefix}/${parts[i]}`;
    for (let hops = 0; files[next]?.type === 'symlink' && hops <= MAX_LINKS; hops++) {
      next = posix.resolve(posix.dirname(next), files[next].linkname ?? '');
    }
    prefix = next === '/' ? '' : next;
  }
  return `${prefix}/${parts[parts.length - 1] ?? ''}`.replace(/\/+$/, '') || '/';
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** PATH from the image's environment, else Docker's default. */
export function pathDirectories(env: string[]): string[] {
  const value = env.find((entry) => entry.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  return value.split(':').filter((dir) => dir.startsWith('/'));
}

export function isExecutable(record: FileRecord): boolean {
  return record.type === 'file' && (record.mode & 0o111) !== 0;
}

/** Where `command` resolves: an absolute or relative path as is, a bare name searched on PATH. */
export function findCommand(
  files: Files,
  command: string,
  dirs: string[],
  workdir = '/',
): { path: string; record: FileRecord } | null {
  if (command.includes('/')) {
    const path = posix.resolve(workdir || '/', command);
    const record = resolveFile(files, path);
    return record && isExecutable(record) ? { path, record } : null;
  }
  for (const dir of dirs) {
    const path = posix.join(dir, command);
    const record = resolveFile(files, path);
    if (record && isExecutable(record)) return { path, record };
  }
  return null;
}
