import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyConfigIgnores } from '../../src/checks/config-ignores.js';
import { readConfigFile } from '../../src/inputs/config-file.js';
import type { CheckResult } from '../../src/model.js';
import { scratchDir } from '../helpers/scratch.js';

async function config(text: string) {
  const dir = scratchDir('ignores');
  writeFileSync(join(dir, 'c.yml'), text);
  return readConfigFile(join(dir, 'c.yml'), 'c.yml');
}

const fail = (id: string, file = 'svc/Dockerfile'): CheckResult => ({
  id,
  category: 'dockerfile',
  severity: 'warning',
  status: 'fail',
  title: 't',
  message: 'm',
  location: { file, line: 3 },
});

describe('ignores in the config file', () => {
  it('are read with their source line', async () => {
    const file = await config(
      'max-layers: 12\nignores:\n  - id: HARD-DOCKERFILE-002\n    reason: pinned by tag on purpose\n    path: "svc/*"\n    until: 2027-01-31\n',
    );
    expect(file.ignores).toEqual([
      {
        id: 'HARD-DOCKERFILE-002',
        reason: 'pinned by tag on purpose',
        path: 'svc/*',
        until: '2027-01-31',
        source: 'c.yml:3',
      },
    ]);
    expect(file.values).toEqual({ 'max-layers': '12' });
  });

  it.each([
    ['ignores: HARD-X\n', 'config c.yml:1: ignores must be a list of { id, reason, path?, until? }'],
    [
      'ignores:\n  - id: HARD-DOCKERFILE-002\n',
      'config c.yml:2: ignores: HARD-DOCKERFILE-002 needs a reason: why is it acceptable here?',
    ],
    [
      'ignores:\n  - id: DL3008\n    reason: r\n',
      "config c.yml:2: ignores: id 'DL3008' is not a check id like HARD-DOCKERFILE-002",
    ],
    [
      'ignores:\n  - id: HARD-DOCKERFILE-002\n    reason: r\n    until: next year\n',
      "config c.yml:2: ignores: until 'next year' is not a date like 2027-01-31",
    ],
    [
      'ignores:\n  - id: HARD-DOCKERFILE-002\n    reason: r\n    file: x\n',
      "config c.yml:2: ignores: unknown key 'file'; an ignore has id, reason, and optionally path and until",
    ],
  ])('reject %j', async (text, message) => {
    await expect(config(text)).rejects.toThrow(message);
  });

  it('apply to the id and path given, and stop applying after their date', () => {
    const ignores = [
      { id: 'HARD-DOCKERFILE-002', reason: 'on purpose', path: 'svc/*', until: '2027-01-31', source: 'c.yml:3' },
    ];
    const [ignored, other, elsewhere] = applyConfigIgnores(
      [fail('HARD-DOCKERFILE-002'), fail('HARD-DOCKERFILE-003'), fail('HARD-DOCKERFILE-002', 'web/Dockerfile')],
      ignores,
      '2026-11-26',
    );
    expect(ignored).toMatchObject({ status: 'skip', message: 'ignored by c.yml:3 until 2027-01-31 (on purpose): m' });
    expect([other.status, elsewhere.status]).toEqual(['fail', 'fail']);
    const [expired] = applyConfigIgnores([fail('HARD-DOCKERFILE-002')], ignores, '2027-02-01');
    expect(expired).toMatchObject({ status: 'fail', message: 'm (the ignore in c.yml:3 expired on 2027-01-31)' });
  });
});
