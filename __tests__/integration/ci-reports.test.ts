import AjvModule from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/model.js';
import { exec, REPO } from '../helpers/run.js';
import { scratchDir } from '../helpers/scratch.js';

// The reports GitLab and Jenkins read, from a real run, read by a real consumer: junitparser
// (Debian's python3-junitparser, the parser GitLab-style JUnit tooling uses) and xmllint for the
// JUnit XML; GitLab's documented Code Quality format (as a JSON Schema below) for the other.

const DEBIAN_PYTHON = '/usr/bin/python3';

/** The Code Quality issue as GitLab documents it (docs.gitlab.com/ci/testing/code_quality): fields and values. */
const CODE_QUALITY_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['description', 'check_name', 'fingerprint', 'severity', 'location'],
    properties: {
      description: { type: 'string', minLength: 1 },
      check_name: { type: 'string', minLength: 1 },
      fingerprint: { type: 'string', minLength: 1 },
      severity: { enum: ['info', 'minor', 'major', 'critical', 'blocker'] },
      location: {
        type: 'object',
        required: ['path', 'lines'],
        properties: {
          path: { type: 'string', pattern: '^[^/]' },
          lines: {
            type: 'object',
            required: ['begin'],
            properties: { begin: { type: 'integer', minimum: 1 }, end: { type: 'integer', minimum: 1 } },
          },
        },
      },
    },
  },
};

/** What junitparser reads from the file: suites, their counts, and each case's result. */
const READ_JUNIT = `
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
suites = []
for suite in xml:
    cases = []
    for case in suite:
        kinds = [type(r).__name__ for r in case.result]
        cases.append({"name": case.name, "classname": case.classname, "result": kinds[0] if kinds else "passed",
                      "message": case.result[0].message if case.result else None})
    suites.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures, "errors": suite.errors,
                   "skipped": suite.skipped, "cases": cases})
print(json.dumps(suites))
`;

interface JunitSuite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  cases: { name: string; classname: string; result: string; message: string | null }[];
}

describe('JUnit and GitLab Code Quality from a real run', () => {
  beforeAll(async () => {
    const reader = await exec(DEBIAN_PYTHON, ['-c', 'import junitparser']);
    const xmllint = await exec('xmllint', ['--version']);
    if (reader.code !== 0 || xmllint.code !== 0)
      throw new Error('python3-junitparser and xmllint are needed: scripts/setup-engine.sh installs them (as root)');
  });

  it('are read by their consumers as the run judged: suites, cases, failures, locations', async () => {
    const dir = scratchDir('ci-reports');
    const files = { json: join(dir, 'r.json'), junit: join(dir, 'junit.xml'), codequality: join(dir, 'cq.json') };
    const run = await exec(process.execPath, [
      join(REPO, 'dist/cli.js'),
      'check',
      '--targets',
      'api=__tests__/fixtures/monorepo/services/api\nworker=__tests__/fixtures/monorepo/services/worker',
      '--expected-uid',
      '18080',
      '--idle-seconds',
      '1',
      '--cache-probe',
      'false',
      '--hardened-run',
      'false',
      '--json',
      files.json,
      '--junit',
      files.junit,
      '--codequality',
      files.codequality,
    ]);
    expect(run.code).toBe(1); // the worker is not UID 18080
    const report = JSON.parse(readFileSync(files.json, 'utf8')) as Report;

    expect((await exec('xmllint', ['--noout', files.junit])).code).toBe(0);
    const read = await exec(DEBIAN_PYTHON, ['-c', READ_JUNIT, files.junit]);
    expect({ code: read.code, stderr: read.stderr }).toEqual({ code: 0, stderr: '' });
    const suites = JSON.parse(read.stdout) as JunitSuite[];
    expect(suites.map((suite) => suite.name)).toEqual(['api', 'worker']);
    for (const [index, suite] of suites.entries()) {
      const target = report.targets[index];
      expect(suite.tests).toBe(target.checks.length);
      expect(suite.cases.map((entry) => entry.name)).toEqual(
        target.checks.map((check) => `${check.id} ${check.title}`),
      );
      const failing = target.checks.filter((check) => check.status === 'fail' && check.severity === 'error');
      expect(suite.failures).toBe(failing.length);
      expect(suite.cases.filter((entry) => entry.result === 'Failure').map((entry) => entry.name)).toEqual(
        failing.map((check) => `${check.id} ${check.title}`),
      );
      expect(suite.skipped).toBe(target.checks.filter((check) => check.status === 'skip').length);
    }
    expect(suites[0].failures).toBe(0);
    const expected = suites[1].cases.find((entry) => entry.name.startsWith('HARD-USER-002'));
    expect(expected).toMatchObject({ result: 'Failure', classname: 'worker.user' });
    expect(expected?.message).toMatch(/expected UID 18080/);

    const issues = JSON.parse(readFileSync(files.codequality, 'utf8')) as {
      check_name: string;
      location: { path: string };
    }[];
    // ajv is CommonJS: under ESM its class is the default export's `default`.
    const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as new (
      options: object,
    ) => { validate(schema: object, data: unknown): boolean; errors?: unknown[] | null };
    const ajv = new Ajv({ allErrors: true });
    const valid = ajv.validate(CODE_QUALITY_SCHEMA, issues);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(issues.length).toBe(report.checks.filter((check) => check.status === 'fail').length);
    // GitLab shows an issue on the file it names: every path is a file of the repository.
    for (const issue of issues)
      expect([issue.location.path, existsSync(join(REPO, issue.location.path))]).toEqual([issue.location.path, true]);
    expect(issues.some((issue) => issue.check_name === 'HARD-USER-002')).toBe(true);
  });

  it('merge writes them too', async () => {
    const dir = scratchDir('ci-reports-merge');
    const run = await exec(process.execPath, [
      join(REPO, 'dist/cli.js'),
      'check',
      '--context',
      'examples/legacy',
      '--static-only',
      '--json',
      join(dir, 'legacy.json'),
    ]);
    expect(run.code).toBe(1);
    const merged = await exec(process.execPath, [
      join(REPO, 'dist/cli.js'),
      'merge',
      join(dir, 'legacy.json'),
      '--junit',
      join(dir, 'junit.xml'),
      '--codequality',
      join(dir, 'cq.json'),
    ]);
    expect(merged.code).toBe(1);
    const read = await exec(DEBIAN_PYTHON, ['-c', READ_JUNIT, join(dir, 'junit.xml')]);
    expect((JSON.parse(read.stdout) as JunitSuite[])[0].failures).toBeGreaterThan(0);
    expect((JSON.parse(readFileSync(join(dir, 'cq.json'), 'utf8')) as unknown[]).length).toBeGreaterThan(0);
  });
});
