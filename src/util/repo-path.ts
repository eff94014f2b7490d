import { relative, sep } from 'node:path';

/** A path as reports show it: relative to the workspace with forward slashes, or absolute when outside it. */
export function repoPath(workspace: string, path: string): string {
  const shown = relative(workspace, path).split(sep).join('/');
  if (shown.startsWith('..')) return path;
  return shown === '' ? '.' : shown;
}
