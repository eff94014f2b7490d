import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes via a temporary file and a rename, so a crash never leaves half a report. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await makeParents(path);
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The missing parent directories, one level at a time. Not mkdir({ recursive: true }): under a
 * special file system (a path below /proc, seen with Node 20) it never returns.
 */
async function makeParents(path: string): Promise<void> {
  const missing: string[] = [];
  for (let dir = dirname(path); !existsSync(dir) && dir !== dirname(dir); dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) await mkdir(dir);
}
