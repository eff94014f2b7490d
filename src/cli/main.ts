import { resolveOptions } from '../inputs/resolve.js';
import { newRunId } from '../docker/throwaway.js';
import { runAll } from '../run.js';
import { timedPhase, type Progress } from '../progress.js';
import { exitCodeOf } from '../report/build-report.js';
import { writeReports } from '../report/write-reports.js';
import { renderTerminal } from '../report/terminal.js';
import { InfrastructureError, UsageError, errorMessage } from '../util/errors.js';
import { formatSeconds } from '../util/format.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { helpText, parseArgs } from './args.js';

export interface CliIo {
  argv: string[];
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Runs one CLI invocation and returns its exit code (0 passed, 1 failed checks, 2 usage/infra). */
export async function runCli(io: CliIo): Promise<number> {
  const cancel = new AbortController();
  const onSignal = (): void => cancel.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
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
    const options = await resolveOptions(command.inputs, io.cwd);
    const { report, baseline } = await runAll(options, stderrProgress(io.stderr), {
      runId: newRunId(),
      signal: cancel.signal,
    });
    const { reportFile, sarifFile, markdownFile } = options.settings;
    const summary = { baseline, ...(report.baselineLabel ? { baselineLabel: report.baselineLabel } : {}) };
    await writeReports(
      io.cwd,
      { json: reportFile || null, sarif: sarifFile || null, markdown: markdownFile || null },
      report,
      summary,
    );
    const colour = Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
    io.stdout.write(renderTerminal(report, { colour, width: Math.min(io.stdout.columns ?? 120, 160) }, baseline));
    return exitCodeOf(report.checks, report.failOn);
  } catch (error) {
    if (cancel.signal.aborted) {
      io.stderr.write(`${TOOL_NAME}: cancelled; the run's containers were removed\n`);
      return 130;
    }
    const known = error instanceof UsageError || error instanceof InfrastructureError;
    io.stderr.write(`${TOOL_NAME}: ${errorMessage(error)}\n`);
    if (!known && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return 2;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function stderrProgress(stderr: NodeJS.WritableStream): Progress {
  const timings: Record<string, number> = {};
  return {
    timings,
    async phase(name, work) {
      stderr.write(`▸ ${name}…\n`);
      const result = await timedPhase(timings, name, work);
      stderr.write(`  ${name} done in ${formatSeconds(timings[name])}\n`);
      return result;
    },
    info: (message) => stderr.write(`  ${message}\n`),
  };
}
