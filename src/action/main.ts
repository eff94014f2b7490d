import * as core from '@actions/core';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { secretTexts } from '../docker/buildx.js';
import { connectEngine } from '../docker/engine.js';
import { newRunId, sweepRun } from '../docker/throwaway.js';
import type { RawInputs } from '../inputs/config-file.js';
import { resolveBuildInputs } from '../inputs/build-inputs.js';
import { parseSettings, resolveOptions, type Options } from '../inputs/resolve.js';
import type { Settings } from '../inputs/definitions.js';
import { mergeReports } from '../merge-reports.js';
import type { Report } from '../model.js';
import { type AttestationFiles, describeAttestation } from '../report/attestation.js';
import { planAnnotations } from '../report/annotations.js';
import { exitCodeOf, runExitCode, verdict } from '../report/build-report.js';
import { renderComment, renderJobSummary, type SummaryOptions } from '../report/job-summary.js';
import { renderTerminal } from '../report/terminal.js';
import { writeReports } from '../report/write-reports.js';
import { runHardening } from '../run/run.js';
import { repoPath } from '../util/repo-path.js';
import { CancelledError, UsageError, errorMessage } from '../util/errors.js';
import { secretIn } from '../util/secrets.js';
import { commentMarker, upsertComment } from './comment.js';
import { readActionInputs } from './inputs.js';
import { actionProgress, logSafe } from './progress.js';
import type { OutputName } from '../inputs/outputs.js';

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // The same bundle is the post step (action.yml `post:`); the main step leaves a state flag.
  if (core.getState('isPost') === 'true') return sweepLeftovers();
  core.saveState('isPost', 'true');
  const runId = newRunId();
  core.saveState('run-id', runId);
  try {
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const inputs = readActionInputs(env);
    const { report, settings, contextDir } =
      inputs.mode?.trim() === 'merge'
        ? await mergeMatrixReports(inputs, workspace)
        : await proveTargets(inputs, workspace, runId);

    // Outputs, files, summary and comment come before the verdict, so a release workflow can read why.
    const reportFile = settings.reportFile
      ? join(workspace, settings.reportFile)
      : join(env.RUNNER_TEMP || tmpdir(), 'cs-docker-hardening-report.json');
    const written = await writeReports(
      workspace,
      {
        json: reportFile,
        sarif: settings.sarifFile || null,
        markdown: settings.markdownFile || null,
        junit: settings.junitFile || null,
        codequality: settings.codequalityFile || null,
        attestation: settings.attestationFile || null,
      },
      report,
    );
    setOutputs(report, reportFile, written.attestation);
    core.info(logSafe(renderTerminal(report)));
    if (written.attestation) core.info(logSafe(describeAttestation(written.attestation)));
    if (settings.annotations) emitAnnotations(report);
    if (settings.summary) await writeSummary(report);
    if (settings.comment)
      await comment(
        settings.githubToken,
        report,
        { runUrl: runUrl(env) },
        commentMarker(repoPath(workspace, contextDir)),
      );

    const outcome = verdict(report.checks, report.failOn);
    if (report.push?.outcome === 'failed') {
      core.setFailed(logSafe(`the proven image was not pushed: ${report.push.reason ?? 'the registry refused it'}`));
      process.exitCode = runExitCode(report);
    } else if (outcome !== 'passed') {
      core.setFailed(
        outcome === 'failed'
          ? `container hardening failed: ${failedIds(report).join(', ')}`
          : 'container hardening could not judge the image: some checks could not run (see the report)',
      );
      process.exitCode = exitCodeOf(report.checks, report.failOn);
    }
  } catch (error) {
    // A file's bytes can reach an error message (a parse error quotes the line): made inert first.
    core.setFailed(logSafe(errorMessage(error)));
    process.exitCode = error instanceof CancelledError ? 130 : 2;
  }
}

interface Outcome {
  report: Report;
  settings: Settings;
  /** Names the pull request comment, so a re-run (or the merge of a matrix) edits the same one. */
  contextDir: string;
}

async function proveTargets(inputs: RawInputs, workspace: string, runId: string): Promise<Outcome> {
  const options = await resolveOptions(inputs, workspace, 'action');
  maskSecrets(options.settings.buildArgs, options.settings.runtimeEnv);
  maskBuildSecrets(options);
  const report = await runHardening(options, actionProgress(), {
    runId,
    pushRefusal: options.settings.push ? forkPullRequest(process.env) : null,
  });
  return { report, settings: options.settings, contextDir: options.contextDir };
}

/** `mode: merge`: the matrix jobs' reports become the one verdict a single run would give. */
async function mergeMatrixReports(inputs: RawInputs, workspace: string): Promise<Outcome> {
  const settings = parseSettings(inputs);
  if (settings.reports.length === 0)
    throw new UsageError('mode: merge needs `reports`: the JSON reports of the matrix jobs, one file or glob per line');
  const report = await mergeReports({
    patterns: settings.reports,
    cwd: workspace,
    ...(inputs['fail-on'] ? { failOn: settings.failOn } : {}),
  });
  core.info(`merged ${report.targets.length} target(s) from ${settings.reports.join(', ')}`);
  return { report, settings, contextDir: resolve(workspace, settings.context || '.') };
}

/**
 * The post step: whatever the main step left — it was cancelled, or the runner killed it — every
 * container, network and volume labelled with its run id is removed.
 */
async function sweepLeftovers(): Promise<void> {
  const runId = core.getState('run-id');
  if (!runId) return;
  try {
    const removed = await sweepRun(await connectEngine(5000), runId);
    core.info(
      removed > 0
        ? `removed ${removed} leftover container(s)/network(s)/volume(s) of run ${runId}`
        : `nothing left behind by run ${runId}`,
    );
  } catch (error) {
    core.warning(`could not sweep the leftovers of run ${runId}: ${errorMessage(error)}`);
  }
}

/** Values given under secret-looking names are masked by the runner wherever they would appear. */
function maskSecrets(...maps: Record<string, string>[]): void {
  for (const map of maps) {
    for (const [name, value] of Object.entries(map)) if (secretIn(name, value)) core.setSecret(value);
  }
}

/**
 * The build's secrets (the values of `secrets`, of the `secret-envs` variables, the contents of
 * `secret-files`, the run's and each target's) are masked wherever the log would show them.
 */
function maskBuildSecrets(options: Options): void {
  const settings = [
    options.settings,
    ...options.targets.map((spec) => parseSettings({ ...options.raw, ...spec.inputs })),
  ];
  for (const each of settings)
    for (const text of secretTexts(resolveBuildInputs(each, options.workspace).inputs)) core.setSecret(text);
}

/** core.error/warning/notice escape their text and properties, so image text cannot inject commands. */
function emitAnnotations(report: Report): void {
  for (const annotation of planAnnotations(report.checks)) {
    const properties: core.AnnotationProperties = {
      title: annotation.title,
      ...(annotation.file ? { file: annotation.file } : {}),
      ...(annotation.startLine ? { startLine: annotation.startLine } : {}),
      ...(annotation.endLine ? { endLine: annotation.endLine } : {}),
    };
    if (annotation.level === 'error') core.error(annotation.message, properties);
    else if (annotation.level === 'warning') core.warning(annotation.message, properties);
    else core.notice(annotation.message, properties);
  }
}

function setOutputs(report: Report, reportFile: string, attestation: AttestationFiles | null): void {
  // Typed by the documented table: an output action.yml does not declare cannot be set. A run of
  // several targets has no single image: image-id and the sizes are the first target's; `targets`
  // has every one.
  const first = report.targets[0];
  const bytes = (value: number | null | undefined): string =>
    value === null || value === undefined ? '' : String(value);
  const values: Record<OutputName, string> = {
    passed: String(report.passed),
    'image-id': first?.target.imageId ?? '',
    'image-size-bytes': bytes(first?.metrics.imageSizeBytes),
    'compressed-size-bytes': bytes(first?.metrics.compressedSizeBytes),
    'failed-checks': failedIds(report).join(','),
    'report-file': reportFile,
    digest: report.push?.outcome === 'pushed' ? (report.push.digest ?? '') : '',
    metadata: JSON.stringify(
      report.push?.outcome === 'pushed'
        ? {
            'containerimage.digest': report.push.digest,
            'image.name': report.push.tags.join(','),
            'image.id': report.push.imageId,
          }
        : {},
    ),
    'attestation-predicate-type': attestation ? attestation.predicateType : '',
    'attestation-predicate': attestation?.predicate ?? '',
    'attestation-statement': attestation?.statement ?? '',
    targets: JSON.stringify(
      report.targets.map((target) => ({
        name: target.name,
        passed: target.passed,
        imageId: target.target.imageId,
        imageSizeBytes: target.metrics.imageSizeBytes,
        failedChecks: [...new Set(target.checks.filter((check) => check.status === 'fail').map((check) => check.id))],
      })),
    ),
  };
  for (const [name, value] of Object.entries(values)) core.setOutput(name, value);
}

/**
 * A pull request from a fork runs code nobody with write access has reviewed: its workflow never
 * pushes. Fails closed: an event that cannot be read, or a head repository that is gone or is not
 * this one, refuses; so does a workflow_run started by a fork's pull request.
 */
export function forkPullRequest(env: NodeJS.ProcessEnv): string | null {
  const name = env.GITHUB_EVENT_NAME ?? '';
  if (!name.startsWith('pull_request') && name !== 'workflow_run') return null;
  let event: {
    pull_request?: { head?: { repo?: { full_name?: string } | null } };
    workflow_run?: { event?: string; head_repository?: { full_name?: string } | null };
  };
  try {
    event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH ?? '', 'utf8')) as typeof event;
  } catch {
    return `the ${name} event could not be read, so whether it comes from a fork is unknown: not pushed`;
  }
  const head =
    name === 'workflow_run'
      ? event.workflow_run?.event?.startsWith('pull_request')
        ? event.workflow_run.head_repository
        : { full_name: env.GITHUB_REPOSITORY }
      : event.pull_request?.head?.repo;
  if (head?.full_name && head.full_name === env.GITHUB_REPOSITORY) return null;
  return `a pull request from a fork (${head?.full_name ?? 'a repository that no longer exists'}) never pushes`;
}

function failedIds(report: Report): string[] {
  return [...new Set(report.checks.filter((result) => result.status === 'fail').map((result) => result.id))];
}

async function writeSummary(report: Report): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.warning('GITHUB_STEP_SUMMARY is not set, so no job summary was written');
    return;
  }
  await core.summary.addRaw(renderJobSummary(report)).write();
}

async function comment(token: string, report: Report, options: SummaryOptions, marker: string): Promise<void> {
  const outcome = await upsertComment(token, marker, renderComment(report, marker, options));
  if (outcome.done === 'skipped')
    core.notice(`No pull request comment: ${outcome.why}. The job summary has the full report.`);
  else core.info(`pull request comment ${outcome.done}: ${outcome.url}`);
}

function runUrl(env: NodeJS.ProcessEnv): string {
  return `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY ?? ''}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`;
}
