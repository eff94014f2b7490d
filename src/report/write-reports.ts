import { resolve } from 'node:path';
import { ALL_CHECKS } from '../checks/index.js';
import type { Report } from '../model.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import {
  type AttestationFiles,
  attestedSource,
  HARDENING_PREDICATE_TYPE,
  hardeningPredicate,
  inTotoStatement,
  predicatePathOf,
  statementSubjects,
} from './attestation.js';
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
  /** The in-toto statement; its predicate is written beside it (predicatePathOf). */
  attestation: string | null;
}

export interface WrittenReports {
  attestation: AttestationFiles | null;
}

export async function writeReports(
  workspace: string,
  files: ReportFiles,
  report: Report,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WrittenReports> {
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
  if (!files.attestation) return { attestation: null };
  const attestation: AttestationFiles = {
    predicateType: HARDENING_PREDICATE_TYPE,
    predicate: null,
    statement: null,
    subjects: [],
    reason: null,
  };
  // An attestation is about one image: a run of several targets has none (a matrix job per image).
  if (report.targets.length !== 1) {
    attestation.reason = `an attestation is about one image; this run proved ${report.targets.length} targets`;
    return { attestation };
  }
  const predicate = hardeningPredicate(report, attestedSource(env), new Date());
  const statementPath = files.attestation;
  const predicatePath = predicatePathOf(statementPath);
  await write('attestation-file', predicatePath, (path) =>
    writeFileAtomic(path, `${JSON.stringify(predicate, null, 2)}\n`),
  );
  attestation.predicate = at(predicatePath);
  const subjects = statementSubjects(report);
  attestation.subjects = subjects.map((subject) => `${subject.name}@sha256:${subject.digest.sha256}`);
  if (subjects.length === 0) {
    // Never the engine's local id as a subject: a verifier fetches the subject from a registry.
    attestation.reason =
      'the image has no registry digest (push: true, or an image pulled from a registry, gives one): only the predicate was written';
    return { attestation };
  }
  await write('attestation-file', statementPath, (path) =>
    writeFileAtomic(path, `${JSON.stringify(inTotoStatement(subjects, predicate), null, 2)}\n`),
  );
  attestation.statement = at(statementPath);
  return { attestation };
}
