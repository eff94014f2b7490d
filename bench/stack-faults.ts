// npm run bench:stack: what the stack-under-fault proofs cost, on the engine that is up, side by
// side in one run — the example stack (app, worker, PostgreSQL, Redis) brought up with compose-up
// alone (network-isolation, dependency-outage and crash-recovery off) and with all three, rounds
// rotating the order — against the budget the proofs are given: per dependency pair, the
// dependent's interval × retries + timeout + 10 s. The compose-up phase is read from each run's
// report (`timings`). Results per engine in bench/results/<engine>.stack.{json,md}; the README shows
// every engine's.
import '../src/util/dirname-shim.js';
import { writeFileSync } from 'node:fs';
import { connectEngine } from '../src/docker/engine.js';
import { describeEngine, engineKey } from '../src/evidence/engine.js';
import { engineLine } from '../src/report/engine-line.js';
import { median, oursWith, round, spread, publishResults } from './measure.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const STACK = [
  '--context',
  'examples/stack',
  '--compose-up',
  '--cache-probe',
  'false',
  '--idle-seconds',
  '1',
  '--runtime-env',
  'POSTGRES_PASSWORD=bench-only-password',
  '--runtime-env',
  'REDIS_PASSWORD=bench-only-password',
  '--helper-image',
  'cs-hardening/busybox-tini:local',
];
const PROOFS = ['--network-isolation', '--dependency-outage', '--crash-recovery'];
const METHODS: Record<string, string[]> = {
  'compose-up alone': PROOFS.flatMap((flag) => [flag, 'false']),
  'with the fault proofs': PROOFS.flatMap((flag) => [flag, 'true']),
};

const engine = await connectEngine();
const described = await describeEngine(engine);
const key = engineKey(described);
process.stderr.write(`stack faults on ${engineLine(described)}: ${ROUNDS} rounds\n`);
const series: Record<string, number[]> = {};
let budget = 0;
let pairs = 0;
for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
  const names = Object.keys(METHODS);
  for (const name of names.map((_, offset) => names[(offset + roundIndex) % names.length])) {
    const measured = await oursWith([...STACK, ...METHODS[name]]);
    const phase = Object.entries(measured.report.timings).find(([phaseName]) => phaseName.endsWith('compose up'));
    if (!phase) throw new Error(`${name}: the run has no compose-up phase`);
    (series[name] ??= []).push(phase[1]);
    const stack = measured.report.targets.find((target) => target.kind === 'stack');
    const outages = (stack?.checks ?? [])
      .filter((check) => check.id === 'HARD-COMPOSE-020' && check.measured)
      .map((check) => check.measured as { windowSeconds: number });
    if (outages.length > 0) {
      pairs = outages.length;
      budget = outages.reduce((sum, outage) => sum + outage.windowSeconds + 10, 0);
    }
    process.stderr.write(`  ${name}: compose-up ${round(phase[1])} s\n`);
  }
}

const alone = median(series['compose-up alone']);
const withProofs = median(series['with the fault proofs']);
const result = {
  engine: described,
  engineLine: engineLine(described),
  rounds: ROUNDS,
  medians: Object.fromEntries(Object.entries(series).map(([name, values]) => [name, round(median(values))])),
  spreads: Object.fromEntries(Object.entries(series).map(([name, values]) => [name, spread(values)])),
  added: round(withProofs - alone),
  pairs,
  budget,
};
writeFileSync(`bench/results/${key}.stack.json`, `${JSON.stringify(result, null, 2)}\n`);
const table = [
  `**${engineLine(described)}**, ${ROUNDS} rounds, order rotated, ${new Date().toISOString().slice(0, 10)}; the example stack's compose-up phase, median (spread):`,
  '',
  '| compose-up alone | with network isolation, dependency outages and crash recovery | added | budget |',
  '| --- | --- | --- | --- |',
  `| ${round(alone)} s (${spread(series['compose-up alone'])}) | ${round(withProofs)} s (${spread(series['with the fault proofs'])}) | ${result.added} s | ${budget} s (${pairs} dependency pairs × their window + 10 s) |`,
].join('\n');
publishResults('stack', key, table);
process.stdout.write(`${table}\n`);
