// npm run snapshot-reports DIR: writes every report the renderers make from the recorded evidence
// (both examples, every engine, alone and with the legacy image as the baseline) and from static
// runs (the examples and every project of the corpus, as the golden test runs them), so that a
// change meant to alter no behaviour (a refactor) is shown to: snapshot before, snapshot after,
// `diff -r` the two directories.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CHECKS } from '../src/checks/index.js';
import { resolveOptions } from '../src/inputs/resolve.js';
import type { Report } from '../src/model.js';
import { silentProgress } from '../src/progress.js';
import { renderCodeQuality } from '../src/report/codequality.js';
import { renderComment, renderJobSummary } from '../src/report/job-summary.js';
import { renderJson } from '../src/report/json.js';
import { renderJunit } from '../src/report/junit.js';
import { renderSarif } from '../src/report/sarif.js';
import { renderTerminal } from '../src/report/terminal.js';
import { runHardening } from '../src/run/run.js';
import { CORPUS } from '../__tests__/helpers/corpus.js';
import { corpusProjects, runDirectories } from '../__tests__/helpers/corpus-ledger.js';
import { RECORDED_ENGINES, recorded, reportOf } from '../__tests__/helpers/evidence.js';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: npm run snapshot-reports DIR\n');
  process.exit(2);
}

function write(name: string, report: Report): void {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  // Times are measured, not behaviour: the static runs' are zeroed so two snapshots compare.
  const steady = JSON.parse(
    JSON.stringify(report, (key, value: unknown) => (key === 'timings' ? {} : value)),
  ) as Report;
  writeFileSync(join(dir, 'report.json'), renderJson(steady));
  writeFileSync(join(dir, 'report.sarif'), `${JSON.stringify(renderSarif(steady, ALL_CHECKS), null, 2)}\n`);
  writeFileSync(join(dir, 'junit.xml'), renderJunit(steady));
  writeFileSync(join(dir, 'summary.md'), renderJobSummary(steady));
  writeFileSync(join(dir, 'comment.md'), renderComment(steady, '<!-- snapshot -->'));
  writeFileSync(join(dir, 'terminal.txt'), renderTerminal(steady));
  writeFileSync(join(dir, 'codequality.json'), `${JSON.stringify(renderCodeQuality(steady), null, 2)}\n`);
}

for (const engine of RECORDED_ENGINES) {
  for (const example of ['hardened', 'legacy'] as const)
    write(`recorded/${engine}/${example}`, reportOf(recorded(example, engine)));
  write(
    `recorded/${engine}/hardened-after-legacy`,
    reportOf(recorded('hardened', engine), {}, 'error', recorded('hardened', engine).evidence, {
      recorded: recorded('legacy', engine),
      label: 'legacy',
    }),
  );
}

const staticRun = async (name: string, workspace: string, inputs: Record<string, string>): Promise<void> => {
  try {
    const options = await resolveOptions({ ...inputs, mode: 'static' }, workspace);
    write(name, await runHardening(options, silentProgress()));
  } catch (error) {
    mkdirSync(join(out, name), { recursive: true });
    writeFileSync(join(out, name, 'refused.txt'), `${(error as Error).message}\n`);
  }
};
for (const example of ['hardened', 'legacy', 'stack'])
  await staticRun(`static/examples/${example}`, process.cwd(), { context: `examples/${example}` });
for (const project of corpusProjects(CORPUS))
  for (const from of runDirectories(join(CORPUS, 'projects', project)))
    await staticRun(`static/corpus/${project}/${from.replace(/\//g, '__')}`, join(CORPUS, 'projects', project), {
      context: from,
      ...(from === '.' ? { discover: 'true' } : {}),
    });
process.stdout.write(`reports written under ${out}\n`);
