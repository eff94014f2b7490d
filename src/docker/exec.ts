import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { within } from '../util/deadline.js';
import { errorMessage } from '../util/errors.js';

// Running a command inside a running container and reading its exit code, bounded in time. The
// engine has no way to kill an exec: one that outlives its timeout is abandoned (and dies with
// its container).

export interface ExecResult {
  exitCode: number | null;
  /** Last 4 KiB of stdout and stderr together. */
  output: string;
  seconds: number;
  timedOut: boolean;
  /** The container was not running (it exited, or was never started). */
  notRunning: boolean;
  /** The engine refused the exec for another reason (e.g. the binary does not exist). */
  error: string | null;
}

const OUTPUT_LIMIT = 4096;

export async function execIn(container: Docker.Container, argv: string[], timeoutMs: number): Promise<ExecResult> {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  let exec: Docker.Exec;
  try {
    exec = await container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  } catch (error) {
    const notRunning = (error as { statusCode?: number }).statusCode === 409;
    return {
      exitCode: null,
      output: '',
      seconds: seconds(),
      timedOut: false,
      notRunning,
      error: notRunning ? null : errorMessage(error),
    };
  }
  let output = '';
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  });
  let stream: NodeJS.ReadableStream & { destroy?: () => void };
  try {
    stream = (await exec.start({ hijack: true, stdin: false })) as typeof stream;
  } catch (error) {
    const notRunning = (error as { statusCode?: number }).statusCode === 409;
    return {
      exitCode: null,
      output,
      seconds: seconds(),
      timedOut: false,
      notRunning,
      error: notRunning ? null : errorMessage(error),
    };
  }
  // docker-modem is untyped: it splits the engine's multiplexed stdout/stderr frames.
  (
    container.modem as { demuxStream(stream: NodeJS.ReadableStream, stdout: PassThrough, stderr: PassThrough): void }
  ).demuxStream(stream, sink, sink);
  const finished = new Promise<void>((resolve) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', () => resolve());
  });
  if ((await within(finished, timeoutMs)).timedOut) {
    stream.destroy?.();
    return { exitCode: null, output, seconds: seconds(), timedOut: true, notRunning: false, error: null };
  }
  const inspected = await exec.inspect().catch(() => null);
  // An exec whose binary does not exist ends with exit code 126/127 and the runtime's message.
  return {
    exitCode: inspected?.ExitCode ?? null,
    output,
    seconds: seconds(),
    timedOut: false,
    notRunning: false,
    error: null,
  };
}
