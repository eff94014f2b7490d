import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { resolveOptions } from '../../src/inputs/resolve.js';
import { silentProgress } from '../../src/progress.js';
import { runHardening } from '../../src/run/run.js';
import { UsageError } from '../../src/util/errors.js';

// The reviewed ledger of what the static checks say about real projects nobody here wrote
// (../shared/corpus/projects): every error and warning finding, with the one-line reason a
// reviewer gave for why it is true. The golden test (__tests__/unit/corpus-ledger.test.ts) runs the
// checks as a user would — `check --static-only --discover true` from the project's root — and
// fails on any finding the ledger lacks (new, or changed wording or line) and any it has that is
// gone, until a reviewer looks at it. `npm run corpus-ledger` writes the ledger anew, keeping the
// reasons of findings that did not change and leaving new ones unreviewed.

export const LEDGER_PATH = '__tests__/fixtures/corpus-ledger.json';

export interface LedgerFinding {
  id: string;
  severity: 'error' | 'warning';
  /** Relative to the project's root. */
  file: string;
  line: number | null;
  message: string;
  /** Why it is true, in one line; empty until reviewed. */
  reason: string;
  /** The reviewer's verdict: a finding judged false is fixed in the product, never kept here. */
  verdict: 'true' | 'false' | 'unreviewed';
}

/**
 * One run of the checks on a project, as a user runs them: from its root with `discover: true`
 * (`.`: every Dockerfile, and the compose project of the root), or from a directory holding a
 * compose project of its own (`docker/`, `dev/`). A finding belongs to the first run that reports it.
 */
export interface LedgerRun {
  /** What compose (through the check) says when the project is given nothing: null when it accepts it. */
  refusedWithout: string | null;
  /** What a user gives it, as the refusal says how (`compose-env-example`, `compose-files`…). */
  inputs: RawInputs;
  /**
   * Files a user's workflow makes before the check (`touch .env`, where the project ships no
   * example of a file its services read): written into a copy of the project, never the corpus.
   */
  create?: Record<string, string>;
  findings: LedgerFinding[];
}

export interface Ledger {
  about: string;
  /** Project name → directory of the run (relative to the project's root) → the run. */
  projects: Record<string, Record<string, LedgerRun>>;
}

/** The directories of a project where a run starts: its root, and each other one with a compose file of its own. */
export function runDirectories(projectDir: string): string[] {
  const found = new Set(['.']);
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(projectDir, dir))) {
      const path = join(dir, name);
      if (statSync(join(projectDir, path)).isDirectory()) walk(path);
      else if (/^(docker-)?compose\.ya?ml$/.test(name) && dir !== '.') found.add(dir);
    }
  };
  walk('.');
  return [...found].sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : a.localeCompare(b)));
}

export type Finding = Omit<LedgerFinding, 'reason' | 'verdict'>;

export function keyOf(finding: Finding): string {
  return [finding.id, finding.severity, finding.file, finding.line ?? '', finding.message].join(' | ');
}

export function readLedger(root: string): Ledger {
  return JSON.parse(readFileSync(join(root, LEDGER_PATH), 'utf8')) as Ledger;
}

export function corpusProjects(corpus: string): string[] {
  const dir = join(corpus, 'projects');
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort();
}

/** The first line of what the check says when it refuses, or null; and the findings when it judges. */
export async function judgeProject(
  projectDir: string,
  inputs: RawInputs,
  create: Record<string, string> = {},
  dir = '.',
): Promise<{ refusal: string | null; findings: Finding[] }> {
  if (Object.keys(create).length > 0) {
    const copy = mkdtempSync(join(tmpdir(), 'cs-ledger-'));
    try {
      cpSync(projectDir, copy, { recursive: true });
      for (const [path, text] of Object.entries(create)) {
        chmodSync(dirname(join(copy, path)), 0o755);
        writeFileSync(join(copy, path), text);
      }
      return await judgeProject(copy, inputs, {}, dir);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }
  try {
    const options = await resolveOptions(
      { context: dir, ...(dir === '.' ? { discover: 'true' } : {}), ...inputs, mode: 'static' },
      projectDir,
    );
    const report = await runHardening(options, silentProgress());
    const findings: Finding[] = [];
    for (const target of report.targets) {
      for (const check of target.checks) {
        if (check.status !== 'fail' || (check.severity !== 'error' && check.severity !== 'warning')) continue;
        findings.push({
          id: check.id,
          severity: check.severity,
          file: check.location?.file ?? '',
          line: check.location?.line ?? null,
          message: check.message,
        });
      }
    }
    // A finding two targets share (a compose file judged with each) is one finding to review.
    const unique = new Map(findings.map((finding) => [keyOf(finding), finding]));
    return { refusal: null, findings: [...unique.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b))) };
  } catch (error) {
    if (error instanceof UsageError) return { refusal: error.message.split('\n').slice(0, 2).join('\n'), findings: [] };
    throw error;
  }
}
