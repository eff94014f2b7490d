import { resolve } from 'node:path';
import { ALL_CHECKS } from '../checks/index.js';
import type { Report } from '../model.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { renderJobSummary, type SummaryOptions } from './job-summary.js';
import { writeJsonReport } from './json.js';
import { writeSarif } from './sarif.js';

// The files a run leaves for pipelines, the same for the CLI and the action: each written
// atomically, relative paths taken from the workspace.

export interface ReportFiles {
  json: string | null;
  sarif: string | null;
  markdown: string | null;
}

export async function writeReports(workspace: string, files: ReportFiles, report: Report, summary: SummaryOptions = {}): Promise<void> {
  const at = (path: string): string => resolve(workspace, path);
  if (files.json) await writeJsonReport(at(files.json), report);
  if (files.sarif) await writeSarif(at(files.sarif), report, ALL_CHECKS);
  if (files.markdown) await writeFileAtomic(at(files.markdown), renderJobSummary(report, summary));
}
