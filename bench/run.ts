// npm run bench: how close the check phase comes to what the engine itself allows, measured side
// by side in one run. For each image (the examples and test fixtures, built here): the floor, our
// check phase (the CLI on the built image), and the baseline script (bench/baseline-check.sh),
// alternately, several rounds; median and spread. Then the large images, cold start and static
// analysis. Results depend on the engine (Docker ≥ 25 probes health every start interval, so the
// baseline script is much faster there; the containerd store exports compressed layers), so each
// engine's results go to bench/results/<engine>.{json,md}, and the README shows every engine's.
import '../src/util/dirname-shim.js';
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectEngine, type Engine } from '../src/docker/engine.js';
import { sweepRun } from '../src/docker/throwaway.js';
import { describeEngine, engineKey } from '../src/evidence/engine.js';
import { engineLine } from '../src/report/engine-line.js';
import { replaceBetween } from '../src/docs/readme-tables.js';
import { benchCorpusStatic } from './corpus-static.js';
import { benchStaticAnalysis } from './static-analysis.js';
import {
  baseline,
  build,
  engineExport,
  floor,
  IDLE_SECONDS,
  median,
  ours,
  round,
  run,
  spread,
  STOP_TIMEOUT,
} from './measure.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IMAGES = [
  ['examples/hardened', 'examples/hardened'],
  ['examples/legacy', 'examples/legacy'],
  ['fixture service-good', '__tests__/fixtures/images/service-good'],
  ['fixture no-shell', '__tests__/fixtures/images/no-shell'],
  ['fixture slow-start', '__tests__/fixtures/images/slow-start'],
  ['fixture health-true', '__tests__/fixtures/images/health-true'],
  ['fixture user-nonroot', '__tests__/fixtures/images/user-nonroot'],
] as const;

interface Row {
  image: string;
  floor: number[];
  ours: number[];
  baseline: number[];
  peakMb: number[];
  phases: Record<string, number[]>;
}

async function sideBySide(engine: Engine): Promise<Row[]> {
  const rows: Row[] = [];
  // BENCH_ONLY=hardened,user-nonroot: only the images whose names contain one of these.
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  for (const [name, context] of IMAGES.filter(([name]) => !only || only.some((part) => name.includes(part)))) {
    const image = await build(context);
    const row: Row = { image: name, floor: [], ours: [], baseline: [], peakMb: [], phases: {} };
    for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
      // Rotate the order each round: no method always runs on a warmer (or busier) engine.
      const order = [0, 1, 2].map((offset) => (offset + roundIndex) % 3);
      for (const method of order) {
        // The engine's stats collector ticks once a second after the last stats request, and a
        // request made during that second waits for the tick: each measurement starts from an
        // engine at rest, as a CI job's would, not in the wake of the one before.
        await sleep(1200);
        if (method === 0) row.floor.push(await floor(engine, image));
        if (method === 1) {
          const measured = await ours(context, image);
          row.ours.push(measured.seconds);
          row.peakMb.push(measured.peakMb);
          // The run's phases (engine, plan) and its one target's (inspect, filesystem, runtime…).
          const timings = { ...measured.report.timings, ...measured.report.targets[0]?.timings };
          for (const [phase, seconds] of Object.entries(timings)) (row.phases[phase] ??= []).push(seconds);
        }
        if (method === 2) row.baseline.push(await baseline(image));
      }
    }
    process.stderr.write(
      `  ${name}: floor ${median(row.floor).toFixed(2)} s, ours ${median(row.ours).toFixed(2)} s, baseline ${median(row.baseline).toFixed(2)} s\n`,
    );
    rows.push(row);
  }
  return rows;
}

const MONOREPO = ['services/api', 'services/web', 'services/worker', 'tools/scheduler'].map(
  (path) => `__tests__/fixtures/monorepo/${path}`,
);

interface Parallel {
  sequential: number[];
  parallel: number[];
  peakMb: number[];
}

/**
 * Four images of a monorepo: one run proving all four, two at a time (`parallel: 2`), side by side
 * with the same four checked one after another (four runs of one target, what a job does without
 * targets). Same settings, builds from a warm cache; rounds alternate which goes first.
 */
async function parallelTargets(): Promise<Parallel> {
  const result: Parallel = { sequential: [], parallel: [], peakMb: [] };
  for (const context of MONOREPO) await build(context);
  const cli = async (args: string[]): Promise<{ seconds: number; peakMb: number }> => {
    const started = performance.now();
    const { stderr } = await run(
      '/usr/bin/time',
      ['-f', 'PEAK %M', process.execPath, 'dist/cli.js', 'check', ...args],
      {
        maxBuffer: 64 << 20,
      },
    ).catch((error: { stderr: string }) => ({ stderr: error.stderr }));
    return {
      seconds: (performance.now() - started) / 1000,
      peakMb: Number(/PEAK (\d+)/.exec(stderr)?.[1] ?? 0) / 1024,
    };
  };
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    for (const method of roundIndex % 2 === 0 ? [0, 1] : [1, 0]) {
      await sleep(1200);
      if (method === 0) {
        let sum = 0;
        for (const context of MONOREPO) sum += (await cli(['--context', context])).seconds;
        result.sequential.push(sum);
      } else {
        const measured = await cli(['--targets', MONOREPO.join('\n'), '--parallel', '2']);
        result.parallel.push(measured.seconds);
        result.peakMb.push(measured.peakMb);
      }
    }
  }
  process.stderr.write(
    `  four targets: sequential ${median(result.sequential).toFixed(2)} s, parallel 2 ${median(result.parallel).toFixed(2)} s\n`,
  );
  return result;
}

async function largeImages(): Promise<Record<string, unknown>[]> {
  const results: Record<string, unknown>[] = [];
  for (const [name, context] of [
    ['1 GB, 4000 files', 'bench/images/big-1gb'],
    ['2 GB, 121 layers', 'bench/images/layers-120'],
  ] as const) {
    const image = await build(context);
    const exportSeconds = await engineExport(image);
    const { stdout } = await run(process.execPath, ['build/bench/filesystem-probe.js', image], { maxBuffer: 16 << 20 });
    const probe = JSON.parse(stdout) as {
      seconds: number;
      peakMb: number;
      files: number;
      layers: number;
      gigabytes: number;
    };
    const check = await ours(context, image);
    const errored = check.report.checks.filter((result) => result.status === 'error').map((result) => result.id);
    results.push({
      image: name,
      exportSeconds,
      ...probe,
      checkSeconds: check.seconds,
      checkPeakMb: check.peakMb,
      checkErrors: errored,
    });
    process.stderr.write(
      `  ${name}: filesystem evidence ${probe.seconds.toFixed(2)} s, peak ${probe.peakMb.toFixed(0)} MB; full check ${check.seconds.toFixed(1)} s, ${errored.length} errors\n`,
    );
  }
  return results;
}

/** From process start to the first byte the action sends the engine (a counting proxy in front of it). */
async function coldStart(image: string): Promise<number[]> {
  const times: number[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    let first: number | undefined;
    const server = createServer((client) => {
      first ??= performance.now();
      const engine = createConnection('/var/run/docker.sock');
      client.pipe(engine).pipe(client);
      client.on('error', () => engine.destroy());
      engine.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'cs-cold-'));
    writeFileSync(join(dir, 'state'), '');
    const started = performance.now();
    const child = spawn(process.execPath, ['dist/index.js'], {
      stdio: 'ignore',
      env: {
        ...process.env,
        DOCKER_HOST: `tcp://127.0.0.1:${port}`,
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: process.cwd(),
        RUNNER_TEMP: dir,
        GITHUB_STATE: join(dir, 'state'),
        GITHUB_OUTPUT: join(dir, 'out'),
        INPUT_CONTEXT: 'examples/hardened',
        INPUT_IMAGE: image,
      },
    });
    while (first === undefined && child.exitCode === null) await sleep(5);
    times.push(((first ?? performance.now()) - started) / 1000);
    child.kill('SIGKILL');
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return times;
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}`;
}

const engine = await connectEngine();
const described = await describeEngine(engine);
const key = engineKey(described);
process.stderr.write(
  `benchmark on ${engineLine(described)}: ${ROUNDS} rounds, idle window ${IDLE_SECONDS} s, stop timeout ${STOP_TIMEOUT} s\n`,
);
const rows = await sideBySide(engine);
const parallel = await parallelTargets();
const large = process.env.BENCH_ONLY ? [] : await largeImages();
const hardenedImage = await build('examples/hardened');
const cold = await coldStart(hardenedImage);
await sweepRun(engine, 'bench-floor');
for (const info of await engine.listContainers({
  all: true,
  filters: JSON.stringify({ label: ['org.cs-hardening.run'] }),
}))
  await engine
    .getContainer(info.Id)
    .remove({ force: true })
    .catch(() => undefined);
const corpusDir = process.env.CS_CORPUS_DIR ?? join(process.cwd(), '..', 'shared', 'corpus');
const staticBench = benchStaticAnalysis(corpusDir);
const corpusStatic = await benchCorpusStatic(corpusDir);

const summary = rows.map((row) => ({
  image: row.image,
  floor: round(median(row.floor)),
  floorSpread: spread(row.floor),
  ours: round(median(row.ours)),
  oursSpread: spread(row.ours),
  baseline: round(median(row.baseline)),
  baselineSpread: spread(row.baseline),
  oursOverFloor: round(median(row.ours) / median(row.floor)),
  overheadSeconds: round(median(row.ours) - median(row.floor)),
  baselineOverOurs: round(median(row.baseline) / median(row.ours)),
  peakMb: round(median(row.peakMb), 0),
  phases: Object.fromEntries(Object.entries(row.phases).map(([phase, values]) => [phase, round(median(values), 3)])),
}));
const parallelSummary = {
  sequential: round(median(parallel.sequential)),
  sequentialSpread: spread(parallel.sequential),
  parallel: round(median(parallel.parallel)),
  parallelSpread: spread(parallel.parallel),
  ratio: round(median(parallel.parallel) / median(parallel.sequential)),
  peakMb: round(Math.max(...parallel.peakMb), 0),
};
const result = {
  engine: described,
  parallelTargets: parallelSummary,
  engineLine: engineLine(described),
  machine: machine(),
  rounds: ROUNDS,
  idleSeconds: IDLE_SECONDS,
  images: summary,
  large,
  coldStartSeconds: { median: round(median(cold), 3), spread: spread(cold) },
  staticAnalysis: staticBench,
  corpusStatic,
};
if (!process.env.BENCH_ONLY) writeFileSync(`bench/results/${key}.json`, `${JSON.stringify(result, null, 2)}\n`);

const table = [
  `#### ${result.engineLine}`,
  '',
  `Measured on ${result.machine}; ${ROUNDS} rounds each, alternating; median (spread) in seconds.`,
  '',
  '| image | floor | ours | baseline | ours − floor | ours/floor | baseline/ours | peak memory |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...summary.map(
    (row) =>
      `| ${row.image} | ${row.floor} (${row.floorSpread}) | ${row.ours} (${row.oursSpread}) | ${row.baseline} (${row.baselineSpread}) | ${row.overheadSeconds} | ${row.oursOverFloor}× | ${row.baselineOverOurs}× | ${row.peakMb} MB |`,
  ),
  '',
  '| four images of a monorepo | one after another (4 runs) | one run, parallel 2 | parallel / one after another | peak memory (parallel) |',
  '| --- | --- | --- | --- | --- |',
  `| ${MONOREPO.length} targets | ${parallelSummary.sequential} (${parallelSummary.sequentialSpread}) | ${parallelSummary.parallel} (${parallelSummary.parallelSpread}) | ${parallelSummary.ratio}× | ${parallelSummary.peakMb} MB |`,
  '',
  '| large image | the engine exports it | filesystem evidence | evidence/export | peak memory | full check | checks that could not run |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...large.map(
    (entry) =>
      `| ${String(entry.image)} (${Number(entry.files)} files) | ${Number(entry.exportSeconds).toFixed(2)} s | ${Number(entry.seconds).toFixed(2)} s | ${(Number(entry.seconds) / Number(entry.exportSeconds)).toFixed(2)}× | ${Number(entry.peakMb).toFixed(0)} MB | ${Number(entry.checkSeconds).toFixed(1)} s | ${(entry.checkErrors as string[]).length} |`,
  ),
  '',
  `Cold start of the action bundle to its first engine call: ${result.coldStartSeconds.median} s (${result.coldStartSeconds.spread}). Static analysis of ${staticBench.dockerfiles} Dockerfiles and ${staticBench.composeServices} compose services: ${staticBench.medianMs} ms (${staticBench.minMs}–${staticBench.maxMs}).${corpusStatic ? ` The real projects of the corpus (${corpusStatic.projects} projects, ${corpusStatic.runs} runs as the golden test makes them): ${corpusStatic.medianSeconds} s a project (median), ${corpusStatic.maxSeconds} s the slowest (${corpusStatic.maxProject}).` : ''}`,
  '',
  'Per phase, median seconds of our check phase:',
  '',
  `| image | ${Object.keys(summary[0].phases).join(' | ')} |`,
  `| --- | ${Object.keys(summary[0].phases)
    .map(() => '---')
    .join(' | ')} |`,
  ...summary.map(
    (row) =>
      `| ${row.image} | ${Object.keys(summary[0].phases)
        .map((phase) => row.phases[phase] ?? '–')
        .join(' | ')} |`,
  ),
].join('\n');
// A partial run (BENCH_ONLY) prints its table but does not replace the recorded full one.
if (!process.env.BENCH_ONLY) {
  writeFileSync(`bench/results/${key}.md`, `${table}\n`);
  // Every engine's recorded results, the default engine (new installs' store) first.
  const recorded = readdirSync('bench/results')
    .filter((name) => name.endsWith('.md') && !name.endsWith('.paths.md'))
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const all = recorded.map((name) => readFileSync(join('bench/results', name), 'utf8').trim()).join('\n\n');
  writeFileSync(
    'README.md',
    replaceBetween(readFileSync('README.md', 'utf8'), ['<!-- bench:start -->', '<!-- bench:end -->'], all),
  );
}
process.stdout.write(`${table}\n`);

function order(file: string): number {
  return file.includes('containerd') ? 0 : file.startsWith('20.') ? 2 : 1;
}
