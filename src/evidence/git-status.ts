import { spawnSync } from 'node:child_process';
import { basename, dirname } from 'node:path';

// Whether a file is part of the repository, as git says: a secret in a file git ignores (the
// usual `.env`) is not a committed secret; one in a tracked file is in every clone. Outside a
// repository nothing can be told apart: the file is judged as shipped with the project.

export type GitStatus = 'tracked' | 'ignored' | 'untracked' | 'outside-git';

export function gitStatusOf(path: string): GitStatus {
  const git = (args: string[]): number | null =>
    spawnSync('git', args, { cwd: dirname(path), stdio: 'ignore', timeout: 5000 }).status;
  if (git(['rev-parse', '--is-inside-work-tree']) !== 0) return 'outside-git';
  if (git(['ls-files', '--error-unmatch', '--', basename(path)]) === 0) return 'tracked';
  return git(['check-ignore', '-q', '--', basename(path)]) === 0 ? 'ignored' : 'untracked';
}
