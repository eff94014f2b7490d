// Records the evidence of the bundled examples, as the real engine gives it, for the checks'
// unit tests (npm run record-evidence). Builds without cache so build times are clean ones.
// The file list is trimmed to the directories checks look at, to keep the fixtures small.
import '../src/util/dirname-shim.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newRunId } from '../src/docker/throwaway.js';
import { collectEvidence } from '../src/evidence/collect.js';
import type { FileRecord } from '../src/evidence/filesystem.js';
import { resolveOptions } from '../src/inputs/resolve.js';
import { silentProgress } from '../src/progress.js';

const KEPT = /^\/(etc|app|opt\/venv\/bin|tmp|root|home|usr\/local\/bin|usr\/local\/sbin|usr\/bin|usr\/sbin|bin|sbin)(\/|$)/;
const SETUID_OR_SETGID = 0o6000;

export function trimFiles(files: Record<string, FileRecord>): Record<string, FileRecord> {
  return Object.fromEntries(Object.entries(files).filter(([path, file]) => KEPT.test(path) || (file.mode & SETUID_OR_SETGID) !== 0));
}

const root = process.cwd();
for (const example of ['hardened', 'legacy']) {
  const options = await resolveOptions({ context: `examples/${example}`, 'no-cache': 'true' }, root);
  const { evidence, target } = await collectEvidence(options, silentProgress(), { runId: newRunId() });
  if (evidence.filesystem.state === 'collected') evidence.filesystem.value.files = trimFiles(evidence.filesystem.value.files);
  const out = join(root, '__tests__/fixtures/evidence', `${example}.json`);
  writeFileSync(out, `${JSON.stringify({ recorded: new Date().toISOString().slice(0, 10), target, evidence }, null, 1)}\n`);
  console.log(`recorded ${out}`);
}
