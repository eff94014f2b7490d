import { spawn } from 'node:child_process';

// Child processes (git; the docker CLI only from src/docker/: cli.ts, buildx.ts) run through here
// rather than @actions/exec: a run must be cancellable (SIGINT/SIGTERM to the action kills the
// build too), and @actions/exec gives no handle on the child.

export interface ProcessOptions {
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Keep at most this many trailing characters of each stream (default 64 KiB). */
  keep?: number;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

export function runProcess(command: string, args: string[], options: ProcessOptions = {}): Promise<ProcessResult> {
  const keep = options.keep ?? 64 * 1024;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = (stdout + chunk).slice(-keep);
      options.onStdout?.(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-keep);
      options.onStderr?.(chunk);
    });
    const abort = (): void => {
      child.kill('SIGTERM');
      // A docker CLI that ignores SIGTERM must still not outlive the run.
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    };
    if (options.signal?.aborted) abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (error) => {
      options.signal?.removeEventListener('abort', abort);
      reject(error);
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', abort);
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}
