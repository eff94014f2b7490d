import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { resolveOptions } from '../../src/inputs/resolve.js';
import type { CheckResult, Report, TargetReport } from '../../src/model.js';
import { silentProgress } from '../../src/progress.js';
import { runHardening } from '../../src/run/run.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Repository-relative context of a fixture image under __tests__/fixtures/images. */
export function fixture(name: string): string {
  return `__tests__/fixtures/images/${name}`;
}

/** A whole run, in process, as the CLI runs it (workspace = the repository). */
export async function checkRun(inputs: RawInputs): Promise<Report> {
  return runHardening(await resolveOptions(inputs, REPO), silentProgress());
}

/** A run of one target, in process: that target's report. */
export async function check(inputs: RawInputs): Promise<TargetReport> {
  const report = await checkRun(inputs);
  if (report.targets.length !== 1)
    throw new Error(`expected one target, the run had ${report.targets.map((target) => target.name).join(', ')}`);
  return report.targets[0];
}

export function byId(report: { checks: CheckResult[] }, id: string): CheckResult {
  const found = report.checks.find((result) => result.id === id);
  if (!found) throw new Error(`no ${id} in the report`);
  return found;
}

export interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and returns its exit code and output, without throwing on non-zero. */
export async function exec(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<Exec> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, {
      cwd: options.cwd ?? REPO,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failure.code === 'number' ? failure.code : -1,
      stdout: failure.stdout ?? '',
      stderr: failure.stderr ?? '',
    };
  }
}

/**
 * Containers, networks and volumes carrying our run label, on the whole engine. Throws when the
 * engine cannot be asked: an empty answer must mean "nothing left", never "could not tell".
 */
export async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  const listings: [string, string[]][] = [
    ['container', ['container', 'ls', '-a', '--format', '{{.Names}}']],
    ['network', ['network', 'ls', '--format', '{{.Name}}']],
    ['volume', ['volume', 'ls', '--format', '{{.Name}}']],
  ];
  // Our throwaways carry the run label; a compose bring-up's resources its project's (cs-hardening-…).
  for (const [kind, args] of listings) {
    for (const filter of ['label=org.cs-hardening.run', 'label=com.docker.compose.project']) {
      const listed = await exec('docker', [...args, '--filter', filter]);
      if (listed.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${listed.stderr}`);
      const names = listed.stdout
        .split('\n')
        .filter(Boolean)
        .filter((name) => filter.includes('org.cs-hardening') || name.startsWith('cs-hardening-'));
      found.push(...names.map((name) => `${kind} ${name}`));
    }
  }
  return [...new Set(found)];
}
