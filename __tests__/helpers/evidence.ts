import { stageArgs } from '../../src/evidence/dockerfile.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CHECKS } from '../../src/checks/index.js';
import type { AnyCheck } from '../../src/checks/registry.js';
import { collected } from '../../src/evidence/collected.js';
import { collectComposeEvidence } from '../../src/evidence/compose.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { parseSettings } from '../../src/inputs/resolve.js';
import { judgeEvidence, type Judgement } from '../../src/judge.js';
import type { CheckResult, ConfigIgnore, FailOn, Report, Target, TargetReport } from '../../src/model.js';
import { buildRunReport, buildTargetReport } from '../../src/report/build-report.js';

// The repository: jest and the npm scripts that use this helper run from its root.
const root = process.cwd();

export interface Recorded {
  target: Target;
  evidence: EvidenceSet;
}

const RECORDINGS = join(root, '__tests__/fixtures/evidence');

/**
 * The engines evidence was recorded on (npm run record-evidence on each): Engine 20.10 (overlay2),
 * Docker 28 on overlay2, and Docker 28 with the containerd image store.
 */
export const RECORDED_ENGINES = readdirSync(RECORDINGS)
  .filter((name) => /^\d+\.\d+-/.test(name))
  .sort();

/** The image store new installs get (Docker 29's default): what tests use unless they ask for all. */
export const DEFAULT_RECORDED_ENGINE = '28.5-containerd';

/** Evidence recorded from a real run on the example (npm run record-evidence), on one engine. */
export function recorded(example: 'hardened' | 'legacy', engine = DEFAULT_RECORDED_ENGINE): Recorded {
  const text = readFileSync(join(RECORDINGS, engine, `${example}.json`), 'utf8');
  const recording = JSON.parse(text) as Recorded;
  // Recorded before stages carried their ARGs (Stage.args): read them as the parser does now.
  if (recording.evidence.dockerfile.state === 'collected')
    for (const stage of recording.evidence.dockerfile.value.stages) stage.args ??= stageArgs(stage.instructions);
  // A scanner's report is not engine evidence: tests that need one attach it.
  recording.evidence.vulnerabilities ??= { state: 'skipped', reason: 'no vulnerability-report given' };
  recording.evidence.signatures ??= { state: 'skipped', reason: 'verify-signature is not set' };
  recording.evidence.attestations ??= { state: 'skipped', reason: 'check-attestations is off' };
  // Nor is the compose project: it is read from the example's files as they are now, so a
  // recording never holds a stale reading of them.
  if (recording.evidence.compose.state === 'collected') {
    const compose = collectComposeEvidence({
      workspace: root,
      contextDir: join(root, recording.target.context ?? `examples/${example}`),
      given: [],
      env: {},
    });
    recording.evidence.compose = compose ? collected(compose) : recording.evidence.compose;
  }
  return recording;
}

/** One target's report from recorded evidence, as the run builds it (with a baseline: its Before). */
export function targetOf(
  which: Recorded,
  inputs: RawInputs = {},
  failOn: FailOn = 'error',
  evidence: EvidenceSet = which.evidence,
  baseline: { recorded: Recorded; label: string } | null = null,
): TargetReport {
  const { results, locate } = judgement(evidence, inputs);
  const before = baseline ? targetOf(baseline.recorded, inputs, failOn) : null;
  return buildTargetReport({
    name: which.target.context ?? 'target',
    kind: 'build',
    target: which.target,
    evidence,
    locate,
    results,
    failOn,
    timings: { build: 1 },
    baseline: before && baseline ? { label: baseline.label, metrics: before.metrics, checks: before.checks } : null,
  });
}

/** A whole report of one target from recorded evidence, as the run builds one. */
export function reportOf(
  which: Recorded,
  inputs: RawInputs = {},
  failOn: FailOn = 'error',
  evidence: EvidenceSet = which.evidence,
  baseline: { recorded: Recorded; label: string } | null = null,
): Report {
  return buildRunReport({
    checks: ALL_CHECKS,
    targets: [targetOf(which, inputs, failOn, evidence, baseline)],
    failOn,
    notes: [],
    timings: {},
  });
}

/** A report of several targets from recorded evidence. */
export function runOf(targets: TargetReport[], failOn: FailOn = 'error'): Report {
  return buildRunReport({ targets, checks: ALL_CHECKS, failOn, notes: [], timings: {} });
}

/**
 * Evidence judged as the run judges it (`judgeEvidence`: every check, then the Dockerfile's inline
 * ignores, then the configured ones), with settings from raw input text (defaults for the rest).
 */
export function judgement(evidence: EvidenceSet, inputs: RawInputs = {}, ignores: ConfigIgnore[] = []): Judgement {
  return judgeEvidence(evidence, parseSettings(inputs), ignores);
}

/** The verdicts of `judgement`; of the given checks only, when a test names them. */
export function judge(
  evidence: EvidenceSet,
  inputs: RawInputs = {},
  checks: readonly AnyCheck[] = ALL_CHECKS,
  ignores: ConfigIgnore[] = [],
): CheckResult[] {
  const results = judgement(evidence, inputs, ignores).results;
  if (checks === ALL_CHECKS) return results;
  const ids = new Set(checks.map((check) => check.id));
  return results.filter((entry) => ids.has(entry.id));
}

export function result(results: CheckResult[], id: string): CheckResult {
  const found = results.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no result for ${id} in ${results.map((r) => r.id).join(', ')}`);
  return found;
}

/** A deep copy to vary one fact of recorded evidence. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
