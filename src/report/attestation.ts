import type { CheckResult, FailOn, Metrics, Report, Status } from '../model.js';
import { canonicalImageName, parseImageReference } from '../util/image-reference.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { verdict } from './build-report.js';

// The verdict as an in-toto attestation: a Statement (v1) whose subject is the image by its
// registry digest and whose predicate is what this run proved of it. The predicate alone is what
// `actions/attest` (predicate-type + predicate-path) and `cosign attest --type --predicate` take;
// they wrap it in a Statement of their own with the subject they are given. A cluster's admission
// policy (Kyverno's verifyImages) then reads `verdict` from the signed predicate at deploy time.
// docs/attestation.md documents the predicate; docs/hardening-predicate.schema.json is its schema.

/** The predicate type: one per major version of the predicate; fields are only ever added. */
export const HARDENING_PREDICATE_TYPE = 'https://github.com/org/cs-docker-hardening/attestation/hardening/v1';

export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

export interface StatementSubject {
  /** The repository, without tag: `ghcr.io/org/app`. */
  name: string;
  digest: { sha256: string };
}

/** Where the image's sources came from, as the CI system says (GitHub Actions' variables). */
export interface AttestedSource {
  repository: string;
  commit: string | null;
  ref: string | null;
  runUrl: string | null;
}

export interface HardeningPredicate {
  /** `passed` only when no check at or above failOn failed or could not run. */
  verdict: 'passed' | 'failed' | 'errored';
  failOn: FailOn;
  tool: { name: string; version: string };
  /** When the run ended (ISO 8601, UTC). */
  provenAt: string;
  image: { id: string | null; name: string | null };
  target: { name: string; kind: string; context: string | null; dockerfile: string | null; stage: string | null };
  engine: { version: string; imageStore: string; architecture: string } | null;
  source: AttestedSource | null;
  /** Failed checks by severity (those at or above failOn decide the verdict), and the others' counts. */
  counts: { error: number; warning: number; notice: number; couldNotRun: number; passed: number; skipped: number };
  /** Every check judged, once per id with its worst outcome: fail > error > skip > pass. */
  checks: { id: string; status: Status; severity: CheckResult['severity'] }[];
  metrics: Pick<
    Metrics,
    | 'imageSizeBytes'
    | 'compressedSizeBytes'
    | 'layers'
    | 'buildSeconds'
    | 'startupSeconds'
    | 'idleMemoryBytes'
    | 'idleCpu'
    | 'stopSeconds'
    | 'runUid'
    | 'runGid'
  >;
}

export interface InTotoStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: StatementSubject[];
  predicateType: typeof HARDENING_PREDICATE_TYPE;
  predicate: HardeningPredicate;
}

const WORST: Status[] = ['fail', 'error', 'skip', 'pass'];

/** The predicate of a run of one target (an attestation is about one image). */
export function hardeningPredicate(report: Report, source: AttestedSource | null, provenAt: Date): HardeningPredicate {
  if (report.targets.length !== 1)
    throw new Error(`an attestation is about one image; this report has ${report.targets.length} targets`);
  const [target] = report.targets;
  const checks = target.checks;
  const failed = (severity: CheckResult['severity']): number =>
    checks.filter((check) => check.status === 'fail' && check.severity === severity).length;
  const byId = new Map<string, { id: string; status: Status; severity: CheckResult['severity'] }>();
  for (const check of checks) {
    const seen = byId.get(check.id);
    if (!seen || WORST.indexOf(check.status) < WORST.indexOf(seen.status))
      byId.set(check.id, { id: check.id, status: check.status, severity: check.severity });
  }
  const { metrics } = target;
  return {
    verdict: verdict(checks, report.failOn),
    failOn: report.failOn,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    provenAt: provenAt.toISOString(),
    image: { id: target.target.imageId, name: target.target.image },
    target: {
      name: target.name,
      kind: target.kind,
      context: target.target.context,
      dockerfile: target.target.dockerfile,
      stage: target.target.stage ?? null,
    },
    engine: target.engine
      ? {
          version: target.engine.version,
          imageStore: target.engine.imageStore,
          architecture: target.engine.architecture,
        }
      : null,
    source,
    counts: {
      error: failed('error'),
      warning: failed('warning'),
      notice: failed('notice'),
      couldNotRun: checks.filter((check) => check.status === 'error').length,
      passed: checks.filter((check) => check.status === 'pass').length,
      skipped: checks.filter((check) => check.status === 'skip').length,
    },
    checks: [...byId.values()].sort((a, b) => a.id.localeCompare(b.id)),
    metrics: {
      imageSizeBytes: metrics.imageSizeBytes,
      compressedSizeBytes: metrics.compressedSizeBytes,
      layers: metrics.layers,
      buildSeconds: metrics.buildSeconds,
      startupSeconds: metrics.startupSeconds,
      idleMemoryBytes: metrics.idleMemoryBytes,
      idleCpu: metrics.idleCpu,
      stopSeconds: metrics.stopSeconds,
      runUid: metrics.runUid,
      runGid: metrics.runGid,
    },
  };
}

/**
 * The image as a registry names it: each pushed tag's repository with the digest the registry
 * gave, else (nothing pushed) the registry digests the engine holds for it (an image pulled from a
 * registry). Empty when the image is in no registry: an attestation's subject is a digest a
 * verifier can fetch, never the engine's local id.
 */
export function statementSubjects(report: Report): StatementSubject[] {
  const references =
    report.push?.outcome === 'pushed'
      ? report.push.pushed.map((entry) => `${parseImageReference(entry.tag).name}@${entry.digest}`)
      : report.targets.length === 1
        ? namedRepoDigests(report.targets[0].target)
        : [];
  const subjects = new Map<string, StatementSubject>();
  for (const reference of references) {
    const match = /^(.+)@sha256:([0-9a-f]{64})$/.exec(reference);
    if (!match) continue;
    subjects.set(reference, { name: match[1], digest: { sha256: match[2] } });
  }
  return [...subjects.values()];
}

/**
 * The engine's registry digests of the repository the user named (`image: ghcr.io/org/app:1.4` →
 * `ghcr.io/org/app@sha256:…`), by its full name (`nginx` → `docker.io/library/nginx`): the
 * containerd store also lists the image's other local names, which no registry may hold.
 */
function namedRepoDigests(target: Report['targets'][number]['target']): string[] {
  if (!target.image || !target.repoDigests) return [];
  const named = repositoryOf(target.image);
  return target.repoDigests
    .filter((reference) => repositoryOf(reference) === named)
    .map((reference) => `${named}@${reference.slice(reference.lastIndexOf('@') + 1)}`);
}

/** A repository as the engine stores it: `nginx` and `docker.io/library/nginx` are one. */
function repositoryOf(reference: string): string {
  return canonicalImageName(`${parseImageReference(reference).name}:tag`).replace(/:tag$/, '');
}

export function inTotoStatement(subjects: StatementSubject[], predicate: HardeningPredicate): InTotoStatement {
  if (subjects.length === 0) throw new Error('an in-toto statement needs at least one subject');
  return { _type: IN_TOTO_STATEMENT_TYPE, subject: subjects, predicateType: HARDENING_PREDICATE_TYPE, predicate };
}

/** The run's source from GitHub Actions' variables (any CI that sets them); null outside one. */
export function attestedSource(env: NodeJS.ProcessEnv): AttestedSource | null {
  const repository = env.GITHUB_REPOSITORY;
  if (!repository) return null;
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  return {
    repository: `${server}/${repository}`,
    commit: env.GITHUB_SHA || null,
    ref: env.GITHUB_REF || null,
    runUrl: env.GITHUB_RUN_ID ? `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : null,
  };
}

/** What `attestation-file` produced: the predicate always, the statement when the image has a registry digest. */
export interface AttestationFiles {
  predicateType: string;
  predicate: string | null;
  statement: string | null;
  /** The subjects' `name@sha256:…`. */
  subjects: string[];
  /** Why a file was not written (several targets, no registry digest), else null. */
  reason: string | null;
}

/** One line for the log: what was written for the attestation, or why not. */
export function describeAttestation(files: AttestationFiles): string {
  if (files.statement)
    return `Attestation (${files.predicateType}): ${files.statement} for ${files.subjects.join(', ')}; predicate ${files.predicate}`;
  if (files.predicate) return `Attestation: predicate ${files.predicate} only; ${files.reason ?? 'no statement'}`;
  return `Attestation not written: ${files.reason ?? 'nothing to attest'}`;
}

/** Where the predicate goes beside the statement: `hardening.intoto.json` → `hardening.intoto.predicate.json`. */
export function predicatePathOf(statementPath: string): string {
  return `${statementPath.replace(/\.json$/i, '')}.predicate.json`;
}
