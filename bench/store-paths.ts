// npm run bench:paths: the two ways a run gets an image, on the engine that is up, side by side in
// one run — the build path (the run builds the image: its files are read from the build's own
// output where the builder can write it) and the prebuilt-image path (`image:`: read from the
// engine's export) — against the floor (one container started, ready, idle window, stopped), the
// engine's own export of the image, and the hand-written script. Rounds rotate the order. Results
// per engine in bench/results/<engine>.paths.{json,md}; the README shows every engine's.
import '../src/util/dirname-shim.js';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectEngine } from '../src/docker/engine.js';
import { describeEngine, engineKey } from '../src/evidence/engine.js';
import { engineLine } from '../src/report/engine-line.js';
import {
  baseline,
  build,
  engineExport,
  floor,
  median,
  oursWith,
  PROVEN_ALONE,
  round,
  run,
  spread,
  type Ours,
  publishResults,
} from './measure.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
interface Case {
  name: string;
  context: string;
  /** Time the floor and the script too (the large image's row is about its files). */
  full: boolean;
}

const CASES: Case[] = [
  { name: 'examples/hardened', context: 'examples/hardened', full: true },
  { name: '1 GB, 4000 files', context: 'bench/images/big-1gb', full: false },
];

type Series = Record<string, number[]>;

/** Our check phase on the build path: from the phase after the build (inspect) to the run's exit. */
function checkPhase(measured: Ours & { afterBuild: number | null }): number {
  if (measured.afterBuild === null) throw new Error('the run never reached the phase after its build');
  return measured.afterBuild;
}

/** The same build by buildx alone (`--load`, nothing else): what the build phase costs without us. */
async function buildxAlone(context: string): Promise<number> {
  const started = performance.now();
  // Named, so the containerd store keeps no dangling record of it once the tag is removed.
  await run('docker', ['buildx', 'build', '--load', '--quiet', '--tag', BUILDX_ALONE_TAG, context], {
    maxBuffer: 16 << 20,
  });
  const seconds = (performance.now() - started) / 1000;
  await run('docker', ['image', 'rm', BUILDX_ALONE_TAG]);
  return seconds;
}

const BUILDX_ALONE_TAG = 'cs-bench-buildx-alone:latest';
const BENCH_IMAGE_TAG = 'cs-bench-paths:measured';

async function measureCase(entry: Case, image: string): Promise<Series> {
  const series: Series = {};
  const push = (key: string, value: number): void => void (series[key] ??= []).push(value);
  const engine = await connectEngine();
  const methods = ['build path', 'image path', 'buildx alone', 'export', ...(entry.full ? ['floor', 'script'] : [])];
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    const order = methods.map((_, offset) => methods[(offset + roundIndex) % methods.length]);
    for (const method of order) {
      // The engine's stats collector ticks once a second after the last request: start at rest.
      await sleep(1200);
      if (method === 'build path') {
        const measured = await oursWith(['--context', entry.context, ...PROVEN_ALONE]);
        push('build: check phase', checkPhase(measured));
        push('build: whole run', measured.seconds);
        push('build: build phase', measured.report.timings.build ?? 0);
        push('build: files', measured.report.timings.filesystem ?? 0);
        push('build: peak MB', measured.peakMb);
      } else if (method === 'image path') {
        const measured = await oursWith(['--context', entry.context, '--image', image, ...PROVEN_ALONE]);
        // Nothing is built: the whole run, as the script's is whole.
        push('image: whole run', measured.seconds);
        push('image: files', measured.report.timings.filesystem ?? 0);
        push('image: peak MB', measured.peakMb);
      } else if (method === 'buildx alone') push('buildx alone', await buildxAlone(entry.context));
      else if (method === 'export') push('export', await engineExport(image));
      else if (method === 'floor') push('floor', await floor(engine, image));
      else push('script', await baseline(image));
    }
  }
  return series;
}

const engine = await connectEngine();
const described = await describeEngine(engine);
const key = engineKey(described);
process.stderr.write(`store paths on ${engineLine(described)}: ${ROUNDS} rounds\n`);
const rows: Record<string, unknown>[] = [];
for (const entry of CASES) {
  const image = await build(entry.context);
  // Named while it is measured: buildx alone builds the same image and its tag is removed after,
  // which on the classic store would delete an image nothing else names (the engine's builder then
  // answered later builds with the id of an image it no longer held).
  await run('docker', ['tag', image, BENCH_IMAGE_TAG]);
  const series = await measureCase(entry, image).finally(() => run('docker', ['image', 'rm', BENCH_IMAGE_TAG]));
  const at = (name: string): number | null => (series[name] ? round(median(series[name])) : null);
  const range = (name: string): string => (series[name] ? spread(series[name]) : '–');
  rows.push({
    case: entry.name,
    medians: Object.fromEntries(Object.keys(series).map((name) => [name, at(name)])),
    spreads: Object.fromEntries(Object.keys(series).map((name) => [name, range(name)])),
  });
  process.stderr.write(`  ${entry.name}: ${JSON.stringify(rows.at(-1)!.medians)}\n`);
}

const result = {
  engine: described,
  engineLine: engineLine(described),
  rounds: ROUNDS,
  date: new Date().toISOString().slice(0, 10),
  rows,
};
writeFileSync(`bench/results/${key}.paths.json`, `${JSON.stringify(result, null, 2)}\n`);

const cell = (row: Record<string, unknown>, name: string, unit = ''): string => {
  const medians = row.medians as Record<string, number | null>;
  const spreads = row.spreads as Record<string, string>;
  return medians[name] === null || medians[name] === undefined ? '–' : `${medians[name]}${unit} (${spreads[name]})`;
};
const ratio = (row: Record<string, unknown>, over: string, under: string): string => {
  const medians = row.medians as Record<string, number | undefined>;
  return medians[over] && medians[under] ? `${round(medians[over] / medians[under])}×` : '–';
};
const minus = (row: Record<string, unknown>, a: string, b: string): string => {
  const medians = row.medians as Record<string, number | undefined>;
  return medians[a] !== undefined && medians[b] !== undefined ? `${round(medians[a] - medians[b])}` : '–';
};
const megabytes = (row: Record<string, unknown>, name: string): string =>
  `${Math.round((row.medians as Record<string, number | undefined>)[name] ?? 0)} MB`;
// Only the containerd store lets the build write an OCI layout beside the image (the docker driver
// on a classic store refuses a second output): elsewhere the build path reads the engine's export.
const layoutNote =
  described.imageStore === 'containerd'
    ? 'the difference is the OCI layout BuildKit writes for us'
    : "this store takes no second output, so no layout is written: the files come from the engine's export";
const table = [
  `#### ${result.engineLine}: build path and prebuilt-image path`,
  '',
  `${ROUNDS} rounds, order rotated each round, ${result.date}; median (spread) in seconds. Build path: the check phase, from the phase after the build (inspect) to the exit; its build phase beside buildx alone building the same (${layoutNote}). Image path: the whole run, as the script's. Files: the filesystem part of the run.`,
  '',
  '| image | floor | engine export | build path: check phase | − floor | build phase (buildx alone) | files read | image path: whole run | − floor | files read | script | script / image path | peak memory (build, image) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (row) =>
      `| ${String(row.case)} | ${cell(row, 'floor')} | ${cell(row, 'export')} | ${cell(row, 'build: check phase')} | ${minus(row, 'build: check phase', 'floor')} | ${cell(row, 'build: build phase')} (${cell(row, 'buildx alone')}) | ${cell(row, 'build: files')} | ${cell(row, 'image: whole run')} | ${minus(row, 'image: whole run', 'floor')} | ${cell(row, 'image: files')} | ${cell(row, 'script')} | ${ratio(row, 'script', 'image: whole run')} | ${megabytes(row, 'build: peak MB')}, ${megabytes(row, 'image: peak MB')} |`,
  ),
].join('\n');
publishResults('paths', key, table);
process.stdout.write(`${table}\n`);
