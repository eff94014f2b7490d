import { parseSettings, resolveOptions } from '../inputs/resolve.js';
import { mergeReports } from '../merge-reports.js';
import { runHardening } from '../run/run.js';
import { timedPhase, type Progress } from '../progress.js';
import { describeAttestation } from '../report/attestation.js';
import { runExitCode } from '../report/build-report.js';
import { writeReports } from '../report/write-reports.js';
import { renderTerminal } from '../report/terminal.js';
import { CancelledError, InfrastructureError, UsageError, errorMessage } from '../util/errors.js';
import { stripControl } from '../util/escape.js';
import { formatSeconds } from '../util/format.js';
import { maskSecrets } from '../util/secrets.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { helpText, parseArgs } from './args.js';

export interface CliIo {
  argv: string[];
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Runs one CLI invocation and returns its exit code (0 passed, 1 failed checks, 2 usage/infra, 130 cancelled). */
export async function runCli(io: CliIo): Promise<number> {
  try {
    const command = parseArgs(io.argv);
    if (command.kind === 'help') {
      io.stdout.write(helpText());
      return 0;
    }
    if (command.kind === 'version') {
      io.stdout.write(`${TOOL_NAME} ${TOOL_VERSION}\n`);
      return 0;
    }
    const settings = command.kind === 'merge' ? parseSettings(command.inputs) : null;
    const options = command.kind === 'check' ? await resolveOptions(command.inputs, io.cwd, 'cli') : null;
    const report =
      command.kind === 'merge'
        ? await mergeReports({
            patterns: command.reports,
            cwd: io.cwd,
            ...(command.inputs['fail-on'] ? { failOn: settings!.failOn } : {}),
          })
        : await runHardening(options!, stderrProgress(io.stderr));
    const { reportFile, sarifFile, markdownFile, junitFile, codequalityFile, attestationFile } = (options?.settings ??
      settings)!;
    const written = await writeReports(
      io.cwd,
      {
        json: reportFile || null,
        sarif: sarifFile || null,
        markdown: markdownFile || null,
        junit: junitFile || null,
        codequality: codequalityFile || null,
        attestation: attestationFile || null,
      },
      report,
      io.env,
    );
    const colour = Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
    io.stdout.write(renderTerminal(report, { colour, width: Math.min(io.stdout.columns ?? 120, 160) }));
    if (written.attestation) io.stderr.write(`${TOOL_NAME}: ${describeAttestation(written.attestation)}\n`);
    if (report.push?.outcome === 'failed')
      io.stderr.write(`${TOOL_NAME}: ${stripControl(maskSecrets(report.push.reason ?? 'push failed'))}\n`);
    return runExitCode(report);
  } catch (error) {
    // Text from files (a Dockerfile's bytes in a parse error) must not drive the terminal.
    io.stderr.write(`${TOOL_NAME}: ${stripControl(maskSecrets(errorMessage(error)))}\n`);
    if (error instanceof CancelledError) return 130;
    const known = error instanceof UsageError || error instanceof InfrastructureError;
    if (!known && error instanceof Error && error.stack) io.stderr.write(`${maskSecrets(error.stack)}\n`);
    return 2;
  }
}

function stderrProgress(stderr: NodeJS.WritableStream): Progress {
  const timings: Record<string, number> = {};
  return {
    timings,
    async phase(name, work) {
      stderr.write(`▸ ${stripControl(maskSecrets(name))}…\n`);
      const result = await timedPhase(timings, name, work);
      stderr.write(`  ${name} done in ${formatSeconds(timings[name])}\n`);
      return result;
    },
    // Build steps (`RUN …`) and probes are echoed here: masked like every output.
    info: (message) => stderr.write(`  ${stripControl(maskSecrets(message))}\n`),
  };
}
