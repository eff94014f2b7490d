// Records the evidence of the bundled examples, as the engine that answers gives it, for the
// checks' unit tests (npm run record-evidence), into __tests__/fixtures/evidence/<engine>/: run
// it once on each engine users run (scripts/setup-engine.sh bookworm | modern | modern-containerd)
// and the unit tests cover all of them without an engine. Builds without cache so build times
// are clean ones. The file list is trimmed to the directories checks look at, to keep the
// fixtures small.
import '../src/util/dirname-shim.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newRunId } from '../src/docker/throwaway.js';
import { collectTargetEvidence } from '../src/run/collect-target.js';
import { engineKey } from '../src/evidence/engine.js';
import type { FileRecord } from '../src/evidence/filesystem.js';
import { resolveOptions } from '../src/inputs/resolve.js';
import { silentProgress } from '../src/progress.js';
import { planTargets } from '../src/run/plan.js';
import { connectSession } from '../src/run/run.js';

const KEPT =
  /^\/(etc|app|opt\/venv\/bin|tmp|root|home|usr\/local\/bin|usr\/local\/sbin|usr\/bin|usr\/sbin|bin|sbin)(\/|$)/;
const SETUID_OR_SETGID = 0o6000;

export function trimFiles(files: Record<string, FileRecord>): Record<string, FileRecord> {
  return Object.fromEntries(
    Object.entries(files).filter(([path, file]) => KEPT.test(path) || (file.mode & SETUID_OR_SETGID) !== 0),
  );
}

const root = process.cwd();
const session = await connectSession();
for (const example of ['hardened', 'legacy']) {
  const options = await resolveOptions({ context: `examples/${example}`, 'no-cache': 'true' }, root);
  const [request] = (await planTargets(options)).targets;
  const { evidence, target } = await collectTargetEvidence(request, silentProgress(), {
    runId: newRunId(),
    engine: session,
  });
  if (evidence.engine.state !== 'collected')
    throw new Error(`the engine could not be described: ${JSON.stringify(evidence.engine)}`);
  if (evidence.filesystem.state === 'collected')
    evidence.filesystem.value.files = trimFiles(evidence.filesystem.value.files);
  const dir = join(root, '__tests__/fixtures/evidence', engineKey(evidence.engine.value));
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${example}.json`);
  writeFileSync(
    out,
    `${JSON.stringify({ recorded: new Date().toISOString().slice(0, 10), target, evidence }, null, 1)}\n`,
  );
  console.log(`recorded ${out}`);
}
