#!/usr/bin/env node
// Compares the verdicts of JSON reports check by check, e.g. the demo's reports from each engine:
//   node scripts/compare-verdicts.mjs .tmp/engines/*/report-hardened.json
// Exit 0 when every report has the same checks with the same statuses (and the same unpacked
// size within 1 %), else 1 with the differences. Each report names its engine. A check skipped on
// either side because the build came from the cache is left out of that pair, and said so.
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length < 2) {
  console.error('usage: compare-verdicts.mjs REPORT REPORT…');
  process.exit(2);
}
const read = (file) => {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const checks = report.targets
    ? report.targets.flatMap((target) => target.checks.map((check) => ({ ...check, id: `${target.name} ${check.id}` })))
    : report.checks;
  const engine = report.engine ? `${report.engine.version} ${report.engine.imageStore}` : 'no engine';
  const size = report.metrics?.imageSizeBytes ?? null;
  // A check that could not judge because the build came from the cache (HARD-BUILD-002: a clean
  // build time) says something about this machine's build cache, not about the engine.
  const cached = checks
    .filter((check) => check.status === 'skip' && /came from the cache/.test(check.message))
    .map((check) => check.id);
  return { file, engine, checks, cached, size };
};
const verdictsOf = (report, leftOut) =>
  report.checks.filter((check) => !leftOut.has(check.id)).map((check) => `${check.id} ${check.status}`);
const [first, ...others] = files.map(read);
let same = true;
for (const other of others) {
  const leftOut = new Set([...first.cached, ...other.cached]);
  const firstVerdicts = verdictsOf(first, leftOut);
  const otherVerdicts = verdictsOf(other, leftOut);
  const missing = firstVerdicts.filter((verdict) => !otherVerdicts.includes(verdict));
  const extra = otherVerdicts.filter((verdict) => !firstVerdicts.includes(verdict));
  if (leftOut.size > 0)
    console.log(
      `not compared (the build came from the cache on one side or both, so it was not judged): ${[...leftOut].join(', ')}`,
    );
  const sizeOff = first.size !== null && other.size !== null && Math.abs(other.size / first.size - 1) > 0.01;
  if (missing.length === 0 && extra.length === 0 && !sizeOff) {
    console.log(
      `same verdicts: ${first.engine} and ${other.engine} (${firstVerdicts.length} checks; unpacked ${first.size} and ${other.size} bytes)`,
    );
    continue;
  }
  same = false;
  console.log(`DIFFERENT: ${first.file} (${first.engine}) and ${other.file} (${other.engine})`);
  for (const verdict of missing) console.log(`  only in the first: ${verdict}`);
  for (const verdict of extra) console.log(`  only in the second: ${verdict}`);
  if (sizeOff) console.log(`  unpacked size differs by more than 1 %: ${first.size} and ${other.size}`);
}
process.exit(same ? 0 : 1);
