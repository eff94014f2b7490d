import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The real-world corpus (../shared/corpus, or CS_CORPUS_DIR) is read in place: nothing of it is
// copied into the project. Where it is missing, tests that need it say so by name in the test
// output ("corpus NOT RUN …") — and fail under CI=true, where a green run must have read it.

export const CORPUS = process.env.CS_CORPUS_DIR ?? join(process.cwd(), '..', 'shared', 'corpus');

export function corpusDir(): string | null {
  return existsSync(CORPUS) ? CORPUS : null;
}

/** `describe` when the corpus is here; else one test whose name says it did not run. */
export function describeCorpus(name: string, body: () => void): void {
  if (corpusDir()) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    it(`corpus NOT RUN: no corpus at ${CORPUS} (set CS_CORPUS_DIR)`, () => {
      expect(process.env.CI === 'true' ? 'the corpus is missing under CI' : 'reported').toBe('reported');
    });
  });
}
