import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/model.js';
import { exec, leftovers, REPO, type Exec } from '../helpers/run.js';
import { scratchDir } from '../helpers/scratch.js';

// `baseline-ref` is a ref of the repository that holds each target's context — wherever the CLI
// was started. A new user's first try (`check --context /path/to/repo --baseline-ref HEAD~1` from
// another directory) once built the current files as the Before: Before equalled After. Here the
// Before runs as root and the After as UID 10001, so a Before built from the wrong files shows.

const BEFORE = 'FROM cs-hardening/busybox-tini:local\nENTRYPOINT ["/sbin/tini", "--"]\nCMD ["sleep", "300"]\n';
const AFTER =
  'FROM cs-hardening/busybox-tini:local\nUSER 10001:10001\nENTRYPOINT ["/sbin/tini", "--"]\nCMD ["sleep", "300"]\n';
const QUICK = ['--idle-seconds', '1', '--cache-probe', 'false', '--hardened-run', 'false', '--fail-on', 'never'];

async function git(repo: string, ...args: string[]): Promise<string> {
  const result = await exec('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** A repository whose `path`/Dockerfile runs as root in its first commit and as 10001 in its second. */
async function repoWithHistory(prefix: string, path = '.'): Promise<string> {
  const repo = scratchDir(prefix);
  await git(repo, 'init', '-q');
  mkdirSync(join(repo, path), { recursive: true });
  writeFileSync(join(repo, path, 'Dockerfile'), BEFORE);
  await git(repo, 'add', '.');
  await git(repo, 'commit', '-qm', 'root');
  writeFileSync(join(repo, path, 'Dockerfile'), AFTER);
  await git(repo, 'commit', '-qam', 'non-root');
  return repo;
}

async function cli(cwd: string, ...args: string[]): Promise<Exec & { report: Report | null }> {
  const out = join(scratchDir('baseline-report'), 'report.json');
  const run = await exec(process.execPath, [join(REPO, 'dist/cli.js'), 'check', ...args, ...QUICK, '--json', out], {
    cwd,
  });
  let report: Report | null;
  try {
    report = JSON.parse(readFileSync(out, 'utf8')) as Report;
  } catch {
    report = null; // a run that stopped before judging writes none
  }
  return { ...run, report };
}

function beforeAndAfter(report: Report | null): [number | null | undefined, number | null | undefined] {
  const target = report?.targets[0];
  return [target?.baseline?.metrics.runUid, target?.metrics.runUid];
}

describe('baseline-ref: the ref of the repository that holds the context', () => {
  it('from another working directory: Before is the ref, not the current files', async () => {
    const repo = await repoWithHistory('ref-elsewhere');
    const run = await cli(scratchDir('elsewhere'), '--context', repo, '--baseline-ref', 'HEAD~1');
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(beforeAndAfter(run.report)).toEqual([0, 10001]);
    expect(run.report?.baselineLabel).toBe('HEAD~1');
  });

  it('from a subdirectory of the repository, with the context in another one', async () => {
    const repo = await repoWithHistory('ref-subdir', 'services/app');
    mkdirSync(join(repo, 'docs'));
    const fromDocs = await cli(join(repo, 'docs'), '--context', '../services/app', '--baseline-ref', 'HEAD~1');
    expect({ code: fromDocs.code, stderr: fromDocs.code === 0 ? '' : fromDocs.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    expect(beforeAndAfter(fromDocs.report)).toEqual([0, 10001]);
    const fromContext = await cli(join(repo, 'services/app'), '--baseline-ref', 'HEAD~1');
    expect(beforeAndAfter(fromContext.report)).toEqual([0, 10001]);
  });

  it('with the context in a different repository: the ref is resolved there', async () => {
    const other = await repoWithHistory('ref-other');
    // The working directory is a repository of one commit: HEAD~1 does not exist in it.
    const here = scratchDir('ref-here');
    await git(here, 'init', '-q');
    writeFileSync(join(here, 'README'), 'one commit\n');
    await git(here, 'add', '.');
    await git(here, 'commit', '-qm', 'only');
    const run = await cli(here, '--context', other, '--baseline-ref', 'HEAD~1');
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(beforeAndAfter(run.report)).toEqual([0, 10001]);
    // And no worktree is left in it.
    expect(await git(other, 'worktree', 'list')).not.toMatch(/cs-hardening-baseline/);
  });

  it('a target new in this change says so; a ref or a repository that is not there stops with one line', async () => {
    const repo = await repoWithHistory('ref-new');
    mkdirSync(join(repo, 'worker'));
    writeFileSync(join(repo, 'worker/Dockerfile'), AFTER);
    await git(repo, 'add', '.');
    await git(repo, 'commit', '-qm', 'worker');
    const added = await cli(repo, '--targets', 'app=.\nworker=worker', '--baseline-ref', 'HEAD~1');
    expect(added.code).toBe(0);
    const [app, worker] = added.report!.targets;
    expect(app.baseline?.metrics.runUid).toBe(10001);
    expect(worker.baseline).toMatchObject({ absent: 'new in this change: worker/Dockerfile does not exist at HEAD~1' });
    expect(added.stdout).toContain('No Before: new in this change: worker/Dockerfile does not exist at HEAD~1');

    const missingRef = await cli(repo, '--baseline-ref', 'no-such-branch');
    expect(missingRef.code).toBe(2);
    expect(missingRef.stderr).toMatch(/^cs-docker-hardening: baseline-ref: cannot check out 'no-such-branch' in /m);
    const noRepo = scratchDir('ref-no-repo');
    writeFileSync(join(noRepo, 'Dockerfile'), AFTER);
    const outside = await cli(noRepo, '--baseline-ref', 'HEAD~1');
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/baseline-ref: \. is not in a git repository, so 'HEAD~1' means nothing there/);
    expect(await git(repo, 'worktree', 'list')).not.toMatch(/cs-hardening-baseline/);
    expect(await leftovers()).toEqual([]);
  });
});
