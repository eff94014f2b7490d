import AjvModule from 'ajv';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PushRecord, Report } from '../../src/model.js';
import {
  attestedSource,
  describeAttestation,
  HARDENING_PREDICATE_TYPE,
  hardeningPredicate,
  inTotoStatement,
  predicatePathOf,
  statementSubjects,
} from '../../src/report/attestation.js';
import { writeReports } from '../../src/report/write-reports.js';
import { recorded, reportOf } from '../helpers/evidence.js';
import { REPO } from '../helpers/run.js';

// The verdict as an in-toto attestation: the predicate (docs/hardening-predicate.schema.json),
// the Statement around it (the in-toto v1 Statement, as a schema written from the spec), its
// subject only ever a registry digest, and the Kyverno policy of docs/attestation.md reading keys
// a real predicate has. Signing it with cosign runs in the integration suite (workflows.test.ts).

const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as new (
  options: object,
) => { compile(schema: object): { (data: unknown): boolean; errors?: unknown[] | null } };
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const readJson = (path: string): object => JSON.parse(readFileSync(join(REPO, path), 'utf8')) as object;
const predicateSchema = ajv.compile(readJson('docs/hardening-predicate.schema.json'));
const statementSchema = ajv.compile(readJson('__tests__/fixtures/in-toto/statement-v1.schema.json'));
const errorsOf = (validate: typeof predicateSchema, data: unknown): unknown[] =>
  validate(data) ? [] : (validate.errors ?? ['invalid']);

const DIGEST = `sha256:${'4b'.repeat(32)}`;
const GITHUB_ENV = {
  GITHUB_REPOSITORY: 'org/app',
  GITHUB_SHA: 'f'.repeat(40),
  GITHUB_REF: 'refs/tags/v1.4.0',
  GITHUB_RUN_ID: '42',
  GITHUB_SERVER_URL: 'https://github.com',
};

function pushed(report: Report, tags: string[]): Report {
  const push: PushRecord = {
    outcome: 'pushed',
    tags,
    imageId: report.targets[0].target.imageId,
    digest: DIGEST,
    pushed: tags.map((tag) => ({ tag, digest: DIGEST })),
    reason: null,
  };
  return { ...report, push };
}

describe('the hardening predicate', () => {
  it.each(['hardened', 'legacy'] as const)('of the %s example matches its schema and its verdict', (example) => {
    const report = reportOf(recorded(example));
    const predicate = hardeningPredicate(report, attestedSource(GITHUB_ENV), new Date('2026-12-06T04:00:00Z'));
    expect(errorsOf(predicateSchema, predicate)).toEqual([]);
    expect(predicate.verdict).toBe(report.passed ? 'passed' : 'failed');
    expect(predicate.verdict).toBe(example === 'hardened' ? 'passed' : 'failed');
    expect(predicate.provenAt).toBe('2026-12-06T04:00:00.000Z');
    // Every check id once, with its worst outcome; the counts are the report's.
    const ids = [...new Set(report.targets[0].checks.map((check) => check.id))].sort();
    expect(predicate.checks.map((check) => check.id)).toEqual(ids);
    const failedErrors = report.targets[0].checks.filter((c) => c.status === 'fail' && c.severity === 'error');
    expect(predicate.counts.error).toBe(failedErrors.length);
    for (const check of failedErrors)
      expect(predicate.checks.find((entry) => entry.id === check.id)?.status).toBe('fail');
    expect(predicate.metrics.imageSizeBytes).toBe(report.targets[0].metrics.imageSizeBytes);
    expect(predicate.source).toEqual({
      repository: 'https://github.com/org/app',
      commit: 'f'.repeat(40),
      ref: 'refs/tags/v1.4.0',
      runUrl: 'https://github.com/org/app/actions/runs/42',
    });
  });

  it('has no source outside a CI that names one', () => {
    expect(attestedSource({})).toBeNull();
  });

  it('is about one image', () => {
    const one = reportOf(recorded('hardened'));
    const two = { ...one, targets: [one.targets[0], { ...one.targets[0], name: 'other' }] };
    expect(() => hardeningPredicate(two, null, new Date())).toThrow(/one image; this report has 2 targets/);
  });
});

describe('the in-toto statement', () => {
  it('names the pushed digest of each repository, and validates as an in-toto v1 Statement', () => {
    const report = pushed(reportOf(recorded('hardened')), [
      '127.0.0.1:5000/team/app:v1.4.0',
      '127.0.0.1:5000/team/app:latest',
      'ghcr.io/org/app:1.4',
    ]);
    const subjects = statementSubjects(report);
    expect(subjects).toEqual([
      { name: '127.0.0.1:5000/team/app', digest: { sha256: '4b'.repeat(32) } },
      { name: 'ghcr.io/org/app', digest: { sha256: '4b'.repeat(32) } },
    ]);
    const statement = inTotoStatement(subjects, hardeningPredicate(report, null, new Date()));
    expect(errorsOf(statementSchema, statement)).toEqual([]);
    expect(statement.predicateType).toBe(HARDENING_PREDICATE_TYPE);
  });

  it('has no subject for an image in no registry: never the local id, never a local name', () => {
    const built = reportOf(recorded('hardened'));
    expect(statementSubjects(built)).toEqual([]);
    const withheld = {
      ...built,
      push: { ...pushed(built, ['ghcr.io/org/app:1']).push!, outcome: 'withheld' as const },
    };
    expect(statementSubjects(withheld)).toEqual([]);
    // An image named by reference: the engine's digest for that repository only (the containerd
    // store also lists the image's local names).
    const named = reportOf(recorded('hardened'));
    named.targets[0].target.image = 'ghcr.io/org/app:1.4';
    named.targets[0].target.repoDigests = [`cs-hardening/app@${DIGEST}`, `ghcr.io/org/app@${DIGEST}`];
    expect(statementSubjects(named)).toEqual([{ name: 'ghcr.io/org/app', digest: { sha256: '4b'.repeat(32) } }]);
    // Docker Hub's names, however spelt, are one repository, named in full.
    named.targets[0].target.image = 'docker.io/library/nginx:1.27';
    named.targets[0].target.repoDigests = [`nginx@${DIGEST}`, `ghcr.io/org/app@${DIGEST}`];
    expect(statementSubjects(named)).toEqual([
      { name: 'docker.io/library/nginx', digest: { sha256: '4b'.repeat(32) } },
    ]);
    expect(() => inTotoStatement([], hardeningPredicate(built, null, new Date()))).toThrow(/at least one subject/);
  });

  it('the schema written from the spec refuses what the spec refuses', () => {
    const statement = inTotoStatement(
      [{ name: 'ghcr.io/org/app', digest: { sha256: '4b'.repeat(32) } }],
      hardeningPredicate(reportOf(recorded('hardened')), null, new Date()),
    );
    expect(errorsOf(statementSchema, { ...statement, subject: [] })).not.toEqual([]);
    expect(errorsOf(statementSchema, { ...statement, _type: 'https://in-toto.io/Statement/v0.1' })).not.toEqual([]);
    expect(errorsOf(statementSchema, { ...statement, subject: [{ name: 'x', digest: {} }] })).not.toEqual([]);
    expect(errorsOf(statementSchema, { ...statement, subject: [{ name: 'x' }] })).not.toEqual([]);
  });
});

describe('attestation-file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'attestation-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const files = (attestation: string | null) => ({
    json: null,
    sarif: null,
    markdown: null,
    junit: null,
    codequality: null,
    attestation,
  });

  it('writes the statement and the predicate beside it when the image was pushed', async () => {
    const report = pushed(reportOf(recorded('hardened')), ['127.0.0.1:5000/app:1']);
    const { attestation } = await writeReports(dir, files('out/hardening.intoto.json'), report, GITHUB_ENV);
    expect(attestation).toEqual({
      predicateType: HARDENING_PREDICATE_TYPE,
      statement: join(dir, 'out/hardening.intoto.json'),
      predicate: join(dir, 'out/hardening.intoto.predicate.json'),
      subjects: [`127.0.0.1:5000/app@${DIGEST}`],
      reason: null,
    });
    const statement = JSON.parse(readFileSync(attestation!.statement!, 'utf8')) as { predicate: unknown };
    const predicate = JSON.parse(readFileSync(attestation!.predicate!, 'utf8')) as unknown;
    expect(statement.predicate).toEqual(predicate);
    expect(errorsOf(statementSchema, statement)).toEqual([]);
    expect(describeAttestation(attestation!)).toBe(
      `Attestation (${HARDENING_PREDICATE_TYPE}): ${attestation!.statement} for 127.0.0.1:5000/app@${DIGEST}; predicate ${attestation!.predicate}`,
    );
  });

  it('writes the predicate only, and says why, when the image has no registry digest', async () => {
    const { attestation } = await writeReports(dir, files('a.json'), reportOf(recorded('legacy')), {});
    expect(attestation).toMatchObject({ statement: null, predicate: join(dir, 'a.predicate.json'), subjects: [] });
    expect(describeAttestation(attestation!)).toMatch(
      /^Attestation: predicate .+ only; the image has no registry digest/,
    );
  });

  it('writes nothing for a run of several targets, and says so', async () => {
    const one = reportOf(recorded('hardened'));
    const two = { ...one, targets: [one.targets[0], { ...one.targets[0], name: 'other' }] };
    const { attestation } = await writeReports(dir, files('a.json'), two, {});
    expect(attestation).toMatchObject({ statement: null, predicate: null });
    expect(describeAttestation(attestation!)).toBe(
      'Attestation not written: an attestation is about one image; this run proved 2 targets',
    );
  });

  it('is asked for by name only', async () => {
    expect(await writeReports(dir, files(null), reportOf(recorded('hardened')), {})).toEqual({ attestation: null });
    expect(predicatePathOf('x/hardening.json')).toBe('x/hardening.predicate.json');
    expect(predicatePathOf('attest')).toBe('attest.predicate.json');
  });
});

describe("docs/attestation.md's Kyverno policy", () => {
  const markdown = readFileSync(join(REPO, 'docs/attestation.md'), 'utf8');
  const policy = parse(/```yaml\n([\s\S]*?)```/.exec(markdown)![1]) as {
    spec: {
      rules: {
        verifyImages: { attestations: { type: string; conditions: { all: { key: string; value: unknown }[] }[] }[] }[];
      }[];
    };
  };
  const attestation = policy.spec.rules[0].verifyImages[0].attestations[0];
  const predicate = hardeningPredicate(reportOf(recorded('hardened')), attestedSource(GITHUB_ENV), new Date());

  it('asks for the predicate type the action writes', () => {
    expect(attestation.type).toBe(HARDENING_PREDICATE_TYPE);
    expect(markdown).toContain(`\n${HARDENING_PREDICATE_TYPE}\n`);
  });

  // The conditions' JMESPath, for the forms the policy uses: a dotted path, or one check's status.
  const evaluate = (expression: string, data: typeof predicate): unknown => {
    const check = /^checks\[\?id=='([A-Z0-9-]+)'\]\.status \| \[0\]$/.exec(expression);
    if (check) return data.checks.find((entry) => entry.id === check[1])?.status;
    return expression
      .split('.')
      .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], data);
  };

  const conditions = attestation.conditions.flatMap((group) => group.all);
  /** Whether the policy's conditions (all of them) hold for this predicate. */
  const admits = (data: typeof predicate): boolean =>
    conditions.every((condition) => {
      const value = evaluate(/^\{\{\s*(.+?)\s*\}\}$/.exec(condition.key)![1], data);
      return Array.isArray(condition.value) ? condition.value.includes(value) : value === condition.value;
    });

  it('reads keys a real predicate has, and admits the hardened example', () => {
    expect(conditions.length).toBeGreaterThanOrEqual(3);
    for (const condition of conditions) {
      const expression = /^\{\{\s*(.+?)\s*\}\}$/.exec(condition.key)![1];
      expect({ expression, defined: evaluate(expression, predicate) !== undefined }).toEqual({
        expression,
        defined: true,
      });
    }
    expect(admits(predicate)).toBe(true);
  });

  it('refuses the legacy example (root user, failed verdict), another repository, and a run that gated on nothing', () => {
    const failing = hardeningPredicate(reportOf(recorded('legacy')), attestedSource(GITHUB_ENV), new Date());
    expect(failing.verdict).toBe('failed');
    expect(admits(failing)).toBe(false);
    expect(
      admits({ ...predicate, source: { ...predicate.source!, repository: 'https://github.com/someone/else' } }),
    ).toBe(false);
    expect(admits({ ...predicate, failOn: 'never' })).toBe(false);
  });
});
