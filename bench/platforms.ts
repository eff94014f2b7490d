// npm run bench:platforms: what proving a second platform costs, on the engine that is up. The
// hardened example checked for linux/amd64 alone and for linux/amd64 + linux/arm64, alternately,
// several rounds, from a warm build cache (a pull request that changes no Dockerfile step): the
// whole run of each, each platform's check phase (everything after its build) and how many cache
// probes ran (one: the probe is the Dockerfile's, not a platform's). arm64 runs under emulation
// here (Debian's qemu-user-static): its figures are an emulator's, and are marked so. Without an
// emulator registered the case is not measured, and the result says so.
// Results in bench/results/<engine>.platforms.{json,md}; the README shows every engine's.
import '../src/util/dirname-shim.js';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectEngine } from '../src/docker/engine.js';
import { describeEngine, engineKey } from '../src/evidence/engine.js';
import type { Report, TargetReport } from '../src/model.js';
import { engineLine } from '../src/report/engine-line.js';
import { median, oursWith, PROVEN_ALONE, round, run, spread, publishResults } from './measure.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONTEXT = 'examples/hardened';
const NATIVE = 'linux/amd64';
const FOREIGN = 'linux/arm64';

type Series = Record<string, number[]>;

/** Whether the engine's builder lists the platform (an emulator registered for it). */
async function buildable(platform: string): Promise<boolean> {
  const { stdout } = await run('docker', ['buildx', 'inspect'], { maxBuffer: 1 << 20 });
  const listed = /^Platforms:\s*(.*)$/m.exec(stdout)?.[1] ?? '';
  return listed.split(',').some((entry) => entry.trim().replace(/\*$/, '') === platform);
}

/** A target's check phase: its inspect and everything after it (files, runtime, rebuilds). */
function checkPhase(target: TargetReport): number {
  return (target.timings.inspect ?? 0) + (target.timings['runtime, filesystem and rebuilds'] ?? 0);
}

function targetOf(report: Report, platform: string): TargetReport {
  // One platform is the target itself, named without it.
  const target =
    report.targets.length === 1
      ? report.targets[0]
      : report.targets.find((candidate) => candidate.name.endsWith(`(${platform})`));
  if (!target) throw new Error(`the report has no target for ${platform}`);
  return target;
}

/** The run with these platforms; its figures into `series` under `label`. */
async function measure(platforms: string[], label: string, series: Series): Promise<void> {
  const push = (key: string, value: number): void => void (series[key] ??= []).push(value);
  const measured = await oursWith(['--context', CONTEXT, '--platforms', platforms.join(','), ...PROVEN_ALONE]);
  push(`${label}: whole run`, measured.seconds);
  push(`${label}: peak MB`, measured.peakMb);
  for (const platform of platforms) {
    const target = targetOf(measured.report, platform);
    push(`${label}: ${platform} check phase`, checkPhase(target));
    push(`${label}: ${platform} build`, target.timings.build ?? 0);
    if (target.target.platform === undefined && measured.report.targets.length > 1)
      throw new Error(`${target.name}: no platform in the report`);
  }
  // The cache probe is the Dockerfile's: it runs on one platform, whatever the count.
  push(
    `${label}: cache probes`,
    measured.report.targets.filter((target) => (target.timings['cache probe'] ?? 0) > 0).length,
  );
  const emulated = measured.report.targets.filter((target) => target.metrics.emulated).length;
  push(`${label}: emulated targets`, emulated);
}

const engine = await connectEngine();
const described = await describeEngine(engine);
const key = engineKey(described);
const line = engineLine(described);
const date = new Date().toISOString().slice(0, 10);
let table: string;
if (!(await buildable(FOREIGN))) {
  table = [
    `#### ${line}: two platforms against one`,
    '',
    `Not measured (${date}): the builder lists no ${FOREIGN} here (no emulator registered; \`CS_PLATFORMS=${FOREIGN} scripts/setup-engine.sh\` registers one).`,
  ].join('\n');
  writeFileSync(
    `bench/results/${key}.platforms.json`,
    `${JSON.stringify({ engine: described, date, measured: false }, null, 2)}\n`,
  );
} else {
  process.stderr.write(`platforms on ${line}: ${ROUNDS} rounds; warming the build cache of both platforms\n`);
  // Warm: both platforms built once, so every round measures a cached build (uncached, arm64's
  // build under emulation alone takes minutes and would say nothing of the check).
  await measure([NATIVE, FOREIGN], 'warm-up', {});
  const series: Series = {};
  const methods = [[NATIVE], [NATIVE, FOREIGN]];
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    for (const offset of [0, 1]) {
      const platforms = methods[(offset + roundIndex) % 2];
      await sleep(1200); // the engine's stats collector at rest, as in the other benchmarks
      await measure(platforms, platforms.length === 1 ? 'one' : 'two', series);
    }
  }
  const at = (name: string): number => round(median(series[name]));
  const cell = (name: string): string => `${at(name)} (${spread(series[name])})`;
  const result = { engine: described, engineLine: line, rounds: ROUNDS, date, medians: {} as Record<string, number> };
  for (const name of Object.keys(series)) result.medians[name] = at(name);
  writeFileSync(`bench/results/${key}.platforms.json`, `${JSON.stringify(result, null, 2)}\n`);
  table = [
    `#### ${line}: two platforms against one`,
    '',
    `The hardened example, ${ROUNDS} rounds alternating, warm build cache, ${date}; median (spread) in seconds. ${FOREIGN} is emulated here (QEMU): its figures are an emulator's and the reports mark them so.`,
    '',
    '| run | whole run | linux/amd64 check phase | linux/arm64 check phase (emulated) | cache probes | peak memory |',
    '| --- | --- | --- | --- | --- | --- |',
    `| ${NATIVE} | ${cell('one: whole run')} | ${cell(`one: ${NATIVE} check phase`)} | – | ${at('one: cache probes')} | ${Math.round(at('one: peak MB'))} MB |`,
    `| ${NATIVE} + ${FOREIGN} | ${cell('two: whole run')} | ${cell(`two: ${NATIVE} check phase`)} | ${cell(`two: ${FOREIGN} check phase`)} | ${at('two: cache probes')} | ${Math.round(at('two: peak MB'))} MB |`,
    '',
    `The second platform costs ${round(at('two: whole run') - at('one: whole run'))} s (${round(at('two: whole run') / at('one: whole run'))}× the one-platform run); the platforms run one at a time when one is emulated, so ${NATIVE}'s figures are measured alone.`,
  ].join('\n');
}
publishResults('platforms', key, table);
process.stdout.write(`${table}\n`);
