// npm run corpus-ledger: writes __tests__/fixtures/corpus-ledger.json anew from what the static
// checks say now about every project of the corpus. A finding that did not change keeps its
// reviewed reason; a new one is written `unreviewed`, with no reason, and the golden test fails
// until a reviewer has read it on its line and given the reason it is true (or fixed the product
// when it is false). Each project's `inputs` (what a user gives a project compose refuses) are kept.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS } from '../__tests__/helpers/corpus.js';
import {
  corpusProjects,
  judgeProject,
  keyOf,
  LEDGER_PATH,
  readLedger,
  runDirectories,
  type Ledger,
} from '../__tests__/helpers/corpus-ledger.js';

const root = process.cwd();
if (!existsSync(join(CORPUS, 'projects'))) {
  process.stderr.write(`no corpus at ${CORPUS} (set CS_CORPUS_DIR)\n`);
  process.exit(2);
}
const previous: Ledger = existsSync(join(root, LEDGER_PATH))
  ? readLedger(root)
  : {
      about:
        'Every error and warning the static checks report on the real projects of ../shared/corpus/projects, each read on its line by a reviewer, with why it is true. Written by npm run corpus-ledger; reasons by reviewers.',
      projects: {},
    };
const next: Ledger = { about: previous.about, projects: {} };
let fresh = 0;
for (const project of corpusProjects(CORPUS)) {
  const dir = join(CORPUS, 'projects', project);
  const already = new Set<string>();
  next.projects[project] = {};
  for (const from of runDirectories(dir)) {
    const before = previous.projects[project]?.[from];
    const inputs = before?.inputs ?? {};
    const create = before?.create;
    const bare = await judgeProject(dir, {}, {}, from);
    const judged =
      Object.keys(inputs).length > 0 || create !== undefined ? await judgeProject(dir, inputs, create, from) : bare;
    if (judged.refusal) process.stderr.write(`${project}/${from}: still refused with its inputs:\n${judged.refusal}\n`);
    const reviewed = new Map((before?.findings ?? []).map((finding) => [keyOf(finding), finding]));
    const own = judged.findings.filter((finding) => !already.has(keyOf(finding)));
    for (const finding of judged.findings) already.add(keyOf(finding));
    next.projects[project][from] = {
      refusedWithout: bare.refusal,
      inputs,
      ...(create ? { create } : {}),
      findings: own.map((finding) => {
        const known = reviewed.get(keyOf(finding));
        if (!known) fresh++;
        return known
          ? { ...finding, reason: known.reason, verdict: known.verdict }
          : { ...finding, reason: '', verdict: 'unreviewed' as const };
      }),
    };
  }
}
writeFileSync(join(root, LEDGER_PATH), `${JSON.stringify(next, null, 2)}\n`);
const total = Object.values(next.projects)
  .flatMap((runs) => Object.values(runs))
  .reduce((sum, run) => sum + run.findings.length, 0);
process.stdout.write(`${LEDGER_PATH}: ${total} findings, ${fresh} new (unreviewed)\n`);
