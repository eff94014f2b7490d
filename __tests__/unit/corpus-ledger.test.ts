import { join } from 'node:path';
import { corpusDir, describeCorpus } from '../helpers/corpus.js';
import {
  corpusProjects,
  judgeProject,
  keyOf,
  LEDGER_PATH,
  readLedger,
  runDirectories,
  type Finding,
  type LedgerFinding,
} from '../helpers/corpus-ledger.js';

// The golden test: the static checks on every real project of the corpus, as a user runs them
// (from the root with discover, and from each directory with a compose project of its own), each
// error and warning compared with the reviewed ledger (__tests__/fixtures/corpus-ledger.json). A
// new or changed finding fails until a reviewer has read it on its line and written why it is
// true; a finding judged false is a defect of the product, fixed for its whole class, never kept.

const root = process.cwd();

describeCorpus('real projects: every error and warning reviewed', () => {
  const corpus = corpusDir()!;
  const ledger = readLedger(root);
  const projects = corpusProjects(corpus);

  it('the ledger covers every project of the corpus and each directory a run starts from, and nothing else', () => {
    expect(
      Object.fromEntries(Object.entries(ledger.projects).map(([name, runs]) => [name, Object.keys(runs)])),
    ).toEqual(Object.fromEntries(projects.map((name) => [name, runDirectories(join(corpus, 'projects', name))])));
  });

  it('holds no finding judged false and none left unreviewed', () => {
    const open = Object.entries(ledger.projects).flatMap(([project, runs]) =>
      Object.values(runs).flatMap((run) =>
        run.findings
          .filter((finding) => finding.verdict !== 'true' || finding.reason.trim().length < 10)
          .map((finding) => `${project}: ${finding.verdict} ${keyOf(finding)}`),
      ),
    );
    expect(open).toEqual([]);
  });

  it.each(projects)('%s', async (project) => {
    const dir = join(corpus, 'projects', project);
    const already = new Set<string>();
    for (const [from, run] of Object.entries(ledger.projects[project] ?? {})) {
      // As a user meets it first: given nothing. Where compose refuses it, the check says so.
      const bare = await judgeProject(dir, {}, {}, from);
      expect({ from, refusal: bare.refusal }).toEqual({ from, refusal: run.refusedWithout });
      // Then given what the refusal says it lacks (the ledger's inputs and files).
      const given = Object.keys(run.inputs).length > 0 || run.create !== undefined;
      const judged = given ? await judgeProject(dir, run.inputs, run.create, from) : bare;
      expect({ from, refusal: judged.refusal }).toEqual({ from, refusal: null });
      const own = judged.findings.filter((finding: Finding) => !already.has(keyOf(finding)));
      for (const finding of judged.findings) already.add(keyOf(finding));
      const reviewed = new Map(run.findings.map((finding: LedgerFinding) => [keyOf(finding), finding]));
      const seen = new Set(own.map(keyOf));
      const unreviewed = own.filter((finding) => !reviewed.has(keyOf(finding))).map(keyOf);
      const gone = [...reviewed.keys()].filter((key) => !seen.has(key));
      // Review each new finding on its line and add it with its reason (npm run corpus-ledger
      // writes it unreviewed); remove what is gone.
      expect({ from, unreviewed, gone, ledger: LEDGER_PATH }).toEqual({
        from,
        unreviewed: [],
        gone: [],
        ledger: LEDGER_PATH,
      });
    }
  });
});
