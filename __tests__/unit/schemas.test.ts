import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderConfigSchema } from '../../src/docs/config-schema.js';
import { collected } from '../../src/evidence/collected.js';
import { parseVulnerabilityReport } from '../../src/evidence/vulnerability-findings.js';
import { readConfigFile } from '../../src/inputs/config-file.js';
import { mergeReports } from '../../src/merge-reports.js';
import type { Report } from '../../src/model.js';
import { copy, recorded, reportOf, runOf, targetOf } from '../helpers/evidence.js';
import { configSchema, reportSchema, schemaErrors } from '../helpers/schema.js';
import { scratchDir } from '../helpers/scratch.js';

// The contract in the repository: docs/report.schema.json describes every report the tool writes,
// and docs/config.schema.json (generated from the input table) what the configuration file takes.

const valid = schemaErrors;

describe('docs/report.schema.json', () => {
  it('describes the reports of one target, of several, with a baseline, a scanner report, and merged', async () => {
    const hardened = recorded('hardened');
    const evidence = copy(hardened.evidence);
    const scans = join(process.cwd(), '__tests__/fixtures/scanners');
    const scan = (file: string): ReturnType<typeof parseVulnerabilityReport> =>
      parseVulnerabilityReport(readFileSync(join(scans, file), 'utf8'), file);
    evidence.vulnerabilities = collected({ current: scan('trivy-after.json'), baseline: scan('trivy-before.json') });
    const reports: Report[] = [
      reportOf(hardened),
      reportOf(recorded('legacy')),
      reportOf(hardened, {}, 'error', evidence, { recorded: recorded('legacy'), label: 'legacy' }),
      runOf([
        { ...targetOf(hardened), name: 'api' },
        { ...targetOf(recorded('legacy')), name: 'legacy' },
      ]),
      runOf([
        {
          ...targetOf(hardened),
          name: 'new',
          baseline: { label: 'main', metrics: targetOf(hardened).metrics, checks: [], absent: 'new in this change' },
        },
      ]),
    ];
    const dir = scratchDir('schema-merge');
    writeFileSync(join(dir, 'a.json'), JSON.stringify(reports[3]));
    reports.push(await mergeReports({ patterns: ['a.json'], cwd: dir }));
    for (const [index, report] of reports.entries()) {
      // Through JSON, as users read it.
      expect([index, valid(reportSchema, JSON.parse(JSON.stringify(report)))]).toEqual([index, []]);
    }
  });

  it('is strict: a field missing or unknown is an error, so the schema cannot drift from the code', () => {
    const report = JSON.parse(JSON.stringify(reportOf(recorded('hardened')))) as Record<string, unknown>;
    const { cis: _cis, ...withoutCis } = report;
    expect(valid(reportSchema, withoutCis)).not.toEqual([]);
    expect(valid(reportSchema, { ...report, extra: true })).not.toEqual([]);
    const target = (report.targets as Record<string, unknown>[])[0];
    expect(
      valid(reportSchema, { ...report, targets: [{ ...target, metrics: { ...(target.metrics as object), x: 1 } }] }),
    ).not.toEqual([]);
  });
});

describe('docs/config.schema.json', () => {
  it('is generated from the input table (npm run docs)', () => {
    expect(readFileSync('docs/config.schema.json', 'utf8')).toBe(renderConfigSchema());
  });

  it("accepts the examples' and the README's configuration files", () => {
    for (const file of ['examples/hardened/.container-hardening.yml', 'examples/legacy/.container-hardening.yml']) {
      expect([file, valid(configSchema, parse(readFileSync(file, 'utf8')))]).toEqual([file, []]);
    }
    const readme = readFileSync('README.md', 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((match) => match[1])
      .filter((block) => block.startsWith('# .github/container-hardening.yml'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(valid(configSchema, parse(block))).toEqual([]);
  });

  it('rejects what the reader rejects: an unknown key, a value not among the choices, an ignore without reason', async () => {
    const dir = scratchDir('schema-config');
    const cases = [
      'max-image-sise-mb: 400\n',
      'fail-on: sometimes\n',
      'ignores:\n  - id: HARD-DOCKERFILE-002\n',
      'targets:\n  - name: api\n    parallel: 2\n    context: services/api\n',
      'max-layers: many\n',
    ];
    for (const text of cases) {
      expect([text, valid(configSchema, parse(text)).length > 0]).toEqual([text, true]);
      const path = join(dir, 'config.yml');
      writeFileSync(path, text);
      const read = readConfigFile(path, 'config.yml').then(async (file) => {
        // Values are checked when they are parsed, as a run does.
        const { parseSettings } = await import('../../src/inputs/resolve.js');
        parseSettings(file.values);
      });
      await expect(read).rejects.toThrow();
    }
    // A file that names its schema is still read.
    writeFileSync(join(dir, 'ok.yml'), '$schema: ../docs/config.schema.json\nmax-layers: 20\n');
    expect((await readConfigFile(join(dir, 'ok.yml'), 'ok.yml')).values).toEqual({ 'max-layers': '20' });
    expect(valid(configSchema, { $schema: 'x', 'max-layers': 20 })).toEqual([]);
  });
});
