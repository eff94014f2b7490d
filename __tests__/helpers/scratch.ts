import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Every temporary directory a test makes is removed when its test file ends (see
// __tests__/setup/remove-scratch.ts), so a run of the suite leaves nothing in /tmp.
const made: string[] = [];

export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cs-test-${prefix}-`));
  made.push(dir);
  return dir;
}

/** A scratch directory holding these files (paths relative to it; parents are created). */
export function scratchTree(prefix: string, files: Record<string, string | Buffer>): string {
  const root = scratchDir(prefix);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

export function removeScratch(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
