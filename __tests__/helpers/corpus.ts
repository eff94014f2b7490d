import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The real-world corpus (../shared/corpus, or CS_CORPUS_DIR) is read in place: nothing of it is
// copied into the project. A test that needs it fails when it is missing — a green run has read
// it — unless the one running the tests says, with CS_CORPUS_DIR=none, that they run without it:
// then the corpus tests are skipped (jest counts them as skipped, and each one's name says
// "corpus NOT RUN"). Under CI=true there is no opting out.

/** CS_CORPUS_DIR's value that runs the tests without the corpus (refused under CI=true). */
export const NO_CORPUS = 'none';

/** What every copy of the corpus holds at its top (its sources; the apps the full runs check). */
const CORPUS_MARKERS = ['SOURCES.md', 'apps'];

export const CORPUS = process.env.CS_CORPUS_DIR ?? join(process.cwd(), '..', 'shared', 'corpus');

export type CorpusState =
  { state: 'present'; dir: string } | { state: 'opted-out'; why: string } | { state: 'missing'; why: string };

/** Whether the corpus can be read, from the environment and what is on disk. */
export function corpusState(
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
  cwd: string = process.cwd(),
): CorpusState {
  const dir = env.CS_CORPUS_DIR ?? join(cwd, '..', 'shared', 'corpus');
  if (env.CS_CORPUS_DIR === NO_CORPUS) {
    return env.CI === 'true'
      ? { state: 'missing', why: `CS_CORPUS_DIR=${NO_CORPUS} under CI=true: a CI run must read the corpus` }
      : { state: 'opted-out', why: `CS_CORPUS_DIR=${NO_CORPUS}` };
  }
  if (!exists(dir))
    return {
      state: 'missing',
      why: `no corpus at ${dir}: put it there or set CS_CORPUS_DIR (CS_CORPUS_DIR=${NO_CORPUS} skips these tests outside CI)`,
    };
  const lacking = CORPUS_MARKERS.filter((name) => !exists(join(dir, name)));
  if (lacking.length > 0)
    return { state: 'missing', why: `${dir} is not the corpus (no ${lacking.join(', ')} in it): check CS_CORPUS_DIR` };
  return { state: 'present', dir };
}

/** The corpus directory, or null where it is missing (describeCorpus has then failed, or was opted out of). */
export function corpusDir(): string | null {
  const found = corpusState();
  return found.state === 'present' ? found.dir : null;
}

/** `describe` when the corpus is here; else one test that fails, or is skipped where opted out. */
export function describeCorpus(name: string, body: () => void): void {
  const found = corpusState();
  if (found.state === 'present') {
    describe(name, body);
    return;
  }
  describe(name, () => {
    if (found.state === 'opted-out') {
      it.skip(`corpus NOT RUN (${found.why})`, () => undefined);
      return;
    }
    it('reads the corpus', () => {
      throw new Error(`corpus NOT RUN: ${found.why}`);
    });
  });
}
