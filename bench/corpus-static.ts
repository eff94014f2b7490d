// Benchmark: static analysis of every real project of the corpus, as a user runs it —
// `check --static-only` from the project's root with `discover: true`, and from each directory
// holding a compose project of its own (the runs of the golden test) — one project at a time,
// several rounds. Two figures a project: the analysis itself (every run in this process: plan,
// files read, every check, the report), and the wall time of the CLI bundle on the root run as a
// user waits for it (Node's start included). The target: under 1 s a project. `npm run
// bench:static` runs it alone; `npm run bench` includes it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { corpusProjects, judgeProject, runDirectories } from '../__tests__/helpers/corpus-ledger.js';

export interface CorpusStaticBench {
  projects: number;
  runs: number;
  rounds: number;
  /** Per project, median seconds: every run's analysis together, and the CLI on the root run. */
  perProject: { project: string; runs: number; seconds: number; cliSeconds: number }[];
  medianSeconds: number;
  maxSeconds: number;
  maxProject: string;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

export async function benchCorpusStatic(corpus: string, rounds = 3): Promise<CorpusStaticBench | null> {
  if (!existsSync(join(corpus, 'projects'))) return null;
  const cli = join(process.cwd(), 'dist/cli.js');
  const perProject: CorpusStaticBench['perProject'] = [];
  let runs = 0;
  for (const project of corpusProjects(corpus)) {
    const dir = join(corpus, 'projects', project);
    const starts = runDirectories(dir);
    runs += starts.length;
    const times: number[] = [];
    const cliTimes: number[] = [];
    for (let round = 0; round < rounds; round++) {
      let started = process.hrtime.bigint();
      // Projects compose refuses end in a refusal after reading every file: that is their analysis.
      for (const from of starts) await judgeProject(dir, {}, {}, from);
      times.push(Number(process.hrtime.bigint() - started) / 1e9);
      started = process.hrtime.bigint();
      spawnSync(process.execPath, [cli, 'check', '--static-only', '--discover', 'true'], { cwd: dir, stdio: 'ignore' });
      cliTimes.push(Number(process.hrtime.bigint() - started) / 1e9);
    }
    const seconds = (values: number[]): number => Math.round(median(values) * 1000) / 1000;
    perProject.push({ project, runs: starts.length, seconds: seconds(times), cliSeconds: seconds(cliTimes) });
  }
  const slowest = perProject.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  return {
    projects: perProject.length,
    runs,
    rounds,
    perProject,
    medianSeconds: median(perProject.map((entry) => entry.seconds)),
    maxSeconds: slowest.seconds,
    maxProject: slowest.project,
  };
}

if (process.argv[1]?.endsWith('corpus-static.js')) {
  const corpus = process.env.CS_CORPUS_DIR ?? join(process.cwd(), '..', 'shared', 'corpus');
  const result = await benchCorpusStatic(corpus);
  if (!result) {
    process.stderr.write(`no corpus at ${corpus}\n`);
    process.exit(2);
  }
  process.stdout.write(
    [
      `| project | runs | analysis, all runs (s) | the CLI on the root run (s) |`,
      '| --- | --- | --- | --- |',
      ...result.perProject.map(
        (entry) => `| ${entry.project} | ${entry.runs} | ${entry.seconds} | ${entry.cliSeconds} |`,
      ),
      '',
      `${result.projects} projects, ${result.runs} runs, median of ${result.rounds} rounds: analysis ${result.medianSeconds} s a project (median), slowest ${result.maxProject} ${result.maxSeconds} s; target under 1 s a project.`,
      '',
    ].join('\n'),
  );
}
