// What the benchmarks measure, one function each, shared by `npm run bench` (bench/run.ts) and
// `npm run bench:paths` (bench/store-paths.ts): the floor, our check phase, the hand-written
// script, the engine's own export of an image.
import '../src/util/dirname-shim.js';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { buildImage } from '../src/docker/buildx.js';
import { connectEngine, type Engine } from '../src/docker/engine.js';
import { execIn } from '../src/docker/exec.js';
import { connects, fallbackPort } from '../src/evidence/runtime/probe.js';
import { healthArgv } from '../src/evidence/image.js';
import { INPUTS } from '../src/inputs/definitions.js';
import { replaceBetween } from '../src/docs/readme-tables.js';
import type { Report } from '../src/model.js';

export const IDLE_SECONDS = Number(INPUTS['idle-seconds'].default);
export const STOP_TIMEOUT = Math.ceil(Number(INPUTS['max-stop-seconds'].default)) + 1;

export const run = promisify(execFile);
export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const spread = (values: number[]): string =>
  `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
export const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export async function build(context: string): Promise<string> {
  const outcome = await buildImage({
    context,
    dockerfile: join(context, 'Dockerfile'),
    buildArgs: {},
    noCache: false,
    tags: [],
  });
  if (!outcome.ok || !outcome.imageId) throw new Error(`building ${context} failed:\n${outcome.logTail}`);
  return outcome.imageId;
}

/**
 * The floor: what any check of this image must spend — one container started, the app's own time
 * to ready (probed every 50 ms), the idle-sampling window, one stop with the same timeout, removed.
 */
export async function floor(engine: Engine, image: string): Promise<number> {
  const config = (await engine.getImage(image).inspect()).Config;
  const argv = config.Healthcheck?.Test ? healthArgv(config.Healthcheck.Test) : null;
  const port = fallbackPort(Object.keys(config.ExposedPorts ?? {}));
  const started = performance.now();
  const container = await engine.createContainer({
    Image: image,
    Healthcheck: { Test: ['NONE'] },
    Labels: { 'org.cs-hardening.run': 'bench-floor' },
    HostConfig: { NetworkMode: argv || port === null ? 'none' : 'bridge' },
  });
  try {
    await container.start();
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline && (argv || port !== null)) {
      if (!(await container.inspect()).State.Running) break;
      if (
        argv
          ? (await execIn(container, argv, 10_000)).exitCode === 0
          : await connects(await address(container), port!, 500)
      )
        break;
      await sleep(50);
    }
    await sleep(IDLE_SECONDS * 1000);
    await container.stop({ t: STOP_TIMEOUT }).catch(() => undefined);
    await container.remove({ force: true });
  } catch (error) {
    await container.remove({ force: true }).catch(() => undefined);
    throw error;
  }
  return (performance.now() - started) / 1000;
}

async function address(container: Docker.Container): Promise<string> {
  const networks = (await container.inspect()).NetworkSettings.Networks ?? {};
  return (
    Object.values(networks)
      .map((network) => network.IPAddress)
      .find(Boolean) ?? ''
  );
}

export interface Ours {
  seconds: number;
  peakMb: number;
  report: Report;
}

/**
 * Our check phase: the committed CLI on the built image (nothing to build), timed from outside,
 * and proven alone as the floor and the script prove it: a context whose
 * compose file gives the service dependencies would otherwise bring its stack up first, which
 * neither of the other two does.
 */
export async function ours(context: string, image: string): Promise<Ours> {
  return oursWith(['--context', context, '--image', image, ...PROVEN_ALONE]);
}

export const PROVEN_ALONE = ['--runtime-in-stack', 'false'];

/**
 * The CLI's `check` with these arguments, timed from outside, with its peak memory and report;
 * `afterBuild`: from the moment it says the phase after the build started (`▸ inspect…` on its
 * stderr, as it happens) to its exit — the check phase of a run that builds.
 */
export async function oursWith(args: string[]): Promise<Ours & { afterBuild: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'cs-bench-'));
  const json = join(dir, 'report.json');
  const started = performance.now();
  let inspectAt: number | null = null;
  let stderr = '';
  const child = spawn(
    '/usr/bin/time',
    ['-f', 'PEAK %M', process.execPath, 'dist/cli.js', 'check', ...args, '--json', json],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (inspectAt === null && /^▸ inspect…$/m.test(stderr)) inspectAt = performance.now();
  });
  // Exit 1 on a failing image is expected.
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  const ended = performance.now();
  const peakKb = Number(/PEAK (\d+)/.exec(stderr)?.[1] ?? 0);
  try {
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    return {
      seconds: (ended - started) / 1000,
      peakMb: peakKb / 1024,
      report,
      afterBuild: inspectAt === null ? null : (ended - inspectAt) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function baseline(image: string): Promise<number> {
  const started = performance.now();
  await run('bench/baseline-check.sh', [image], { maxBuffer: 64 << 20 });
  return (performance.now() - started) / 1000;
}

/**
 * The floor of filesystem evidence: the engine exporting the image (`docker save` through the API),
 * every byte read and dropped. On the containerd store the engine itself is the bottleneck.
 */
export async function engineExport(image: string): Promise<number> {
  const engine = await connectEngine();
  const started = performance.now();
  const stream = await engine.getImage(image).get();
  for await (const _chunk of stream as AsyncIterable<Buffer>) {
    // read and dropped
  }
  return (performance.now() - started) / 1000;
}

/**
 * Writes one engine's table of a benchmark (`bench/results/<key>.<kind>.md`) and shows every
 * engine's of that kind in the README, between `<!-- bench-<kind>:start -->` and its end marker,
 * the containerd store's first (the default of new installs).
 */
export function publishResults(kind: string, key: string, table: string): void {
  writeFileSync(`bench/results/${key}.${kind}.md`, `${table}\n`);
  const all = readdirSync('bench/results')
    .filter((name) => name.endsWith(`.${kind}.md`))
    .sort((a, b) => Number(b.includes('containerd')) - Number(a.includes('containerd')) || a.localeCompare(b))
    .map((name) => readFileSync(join('bench/results', name), 'utf8').trim())
    .join('\n\n');
  writeFileSync(
    'README.md',
    replaceBetween(
      readFileSync('README.md', 'utf8'),
      [`<!-- bench-${kind}:start -->`, `<!-- bench-${kind}:end -->`],
      all,
    ),
  );
}
