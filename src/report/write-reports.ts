import { resolve } from 'node:path';
import { ALL_CHECKS } from '../checks/index.js';
import type { Report } from '../model.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { UsageError, errorMessage } from '../util/errors.js';
import { renderCodeQuality } from './codequality.js';
import { renderJobSummary } from './job-summary.js';
import { renderJunit } from './junit.js';
import { renderJson } from './json.js';
import { renderSarif } from './sarif.js';

// The files a run leaves for pipelines, the same for the CLI and the action: each written
// atomically, relative paths taken from the workspace. The one module of report/ that writes: the
// renderers it calls are pure.

export interface ReportFiles {
  json: string | null;
  sarif: string | null;
  markdown: string | null;
  junit: string | null;
  codequality: string | null;
}

export async function writeReports(workspace: string, files: ReportFiles, report: Report): Promise<void> {
  const at = (path: string): string => resolve(workspace, path);
  const write = async (input: string, path: string | null, work: (path: string) => Promise<void>): Promise<void> => {
    if (!path) return;
    try {
      await work(at(path));
    } catch (error) {
      throw new UsageError(
        `${input}: cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}); give a writable path`,
      );
    }
  };
  await write('report-file', files.json, (path) => writeFileAtomic(path, renderJson(report)));
  await write('sarif-file', files.sarif, (path) =>
    writeFileAtomic(path, `${JSON.stringify(renderSarif(report, ALL_CHECKS), null, 2)}\n`),
  );
  await write('markdown-file', files.markdown, (path) => writeFileAtomic(path, renderJobSummary(report)));
  await write('junit-file', files.junit, (path) => writeFileAtomic(path, renderJunit(report)));
  await write('codequality-file', files.codequality, (path) =>
    writeFileAtomic(path, `${JSON.stringify(renderCodeQuality(report), null, 2)}\n`),
  );
}
