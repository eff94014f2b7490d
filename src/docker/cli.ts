import { runProcess, type ProcessOptions, type ProcessResult } from '../util/process.js';

// The docker CLI (compose, buildx, pull) is spawned here and nowhere else outside src/docker/: the
// rest of the product reaches Docker through this module and the engine's handles (engine.ts).

export function runDocker(args: string[], options: ProcessOptions = {}): Promise<ProcessResult> {
  return runProcess('docker', args, options);
}
