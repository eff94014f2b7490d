import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ALL_CHECKS } from '../../src/checks/index.js';
import { renderActionYml } from '../../src/docs/action-yml.js';
import { renderChecksDoc } from '../../src/docs/checks-md.js';
import {
  INPUTS_MARKERS,
  OUTPUTS_MARKERS,
  renderInputsTable,
  renderOutputsTable,
  replaceBetween,
} from '../../src/docs/readme-tables.js';
import { parseArgs } from '../../src/cli/args.js';
import { INPUT_NAMES } from '../../src/inputs/definitions.js';
import { CATEGORIES } from '../../src/model.js';
import { TOOL_VERSION } from '../../src/version.js';

// The committed documents are generated: a stale one fails here (fix: npm run docs).
describe('generated documents are up to date', () => {
  it('action.yml', () => {
    expect(readFileSync('action.yml', 'utf8')).toBe(renderActionYml());
  });

  it('docs/checks.md', () => {
    expect(readFileSync('docs/checks.md', 'utf8')).toBe(renderChecksDoc());
  });

  it("the README's input and output tables", () => {
    const readme = readFileSync('README.md', 'utf8');
    const regenerated = replaceBetween(
      replaceBetween(readme, INPUTS_MARKERS, renderInputsTable()),
      OUTPUTS_MARKERS,
      renderOutputsTable(),
    );
    expect(readme).toBe(regenerated);
  });
});

describe('action.yml', () => {
  const action = parse(readFileSync('action.yml', 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    runs: { using: string; main: string };
  };

  it('runs on node24 from the committed bundle, with every input and no settings defaults', () => {
    expect(action.runs).toMatchObject({ using: 'node24', main: 'dist/index.js' });
    expect(Object.keys(action.inputs)).toEqual(INPUT_NAMES);
    // A `default:` would be passed as if set by the workflow and override the config file; only
    // the token has the runner's default.
    for (const name of INPUT_NAMES.filter((input) => input !== 'github-token'))
      expect(action.inputs[name].default).toBeUndefined();
    expect(action.inputs['github-token'].default).toBe('${{ github.token }}');
  });
});

describe('the check registry', () => {
  it('has unique, well-formed ids in known categories, each documented', () => {
    const ids = ALL_CHECKS.map((check) => check.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const check of ALL_CHECKS) {
      expect(check.id).toMatch(/^HARD-[A-Z]+-\d{3}$/);
      expect(check.id.split('-')[1]).toBe(check.category.toUpperCase());
      expect(CATEGORIES).toContain(check.category);
      for (const text of [check.title, check.proves, check.why, check.remediation])
        expect(text.length).toBeGreaterThan(5);
    }
  });
});

describe('version', () => {
  it('matches package.json', () => {
    expect(TOOL_VERSION).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
  });
});

describe("the README's GitLab pipeline", () => {
  // The example runs the CLI as written: every flag it gives must parse, and the files it names
  // must be the ones its artifacts hand to GitLab.
  it('gives flags the CLI takes and reports the artifacts collect', () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((match) => match[1])
      .find((text) => text.includes('.gitlab-ci.yml'));
    const pipeline = parse(block!) as Record<
      string,
      { script: string[]; artifacts: { reports: { junit: string; codequality: string } } }
    >;
    const job = Object.values(pipeline)[0];
    const command = job.script.find((line) => line.includes('cs-docker-hardening'))!;
    const argv = command
      .split(/\s+/)
      .slice(command.split(/\s+/).findIndex((word) => word.startsWith('cs-docker-hardening')) + 1);
    const parsed = parseArgs(argv);
    if (parsed.kind !== 'check') throw new Error(`the README runs ${parsed.kind}, not check`);
    expect(parsed.inputs['junit-file']).toBe(job.artifacts.reports.junit);
    expect(parsed.inputs['codequality-file']).toBe(job.artifacts.reports.codequality);
  });
});
