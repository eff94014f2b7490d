import { readFile } from 'node:fs/promises';
import type { VulnerabilityCounts } from '../model.js';
import { UsageError, errorMessage } from '../util/errors.js';

// The product does not scan for CVEs: users already run Trivy or Grype. Their reports are read
// here — Trivy JSON (`trivy image --format json`, schema version 2), Grype JSON (`grype -o json`),
// or SARIF from either — into one list of findings per package, so the checks can count what is
// fixable and tell what a change adds from what it fixes.

export type VulnerabilitySeverity = 'critical' | 'high' | 'medium' | 'low' | 'unknown';

export interface Vulnerability {
  /** CVE-…, GHSA-…, or the scanner's own id. */
  id: string;
  package: string;
  installed: string;
  /** The first version that fixes it, when the scanner knows one. */
  fixedIn: string | null;
  /** Whether a fix exists; null where the format does not say (a SARIF result without a fixed version). */
  fixable: boolean | null;
  severity: VulnerabilitySeverity;
}

export interface VulnerabilityReport {
  /** Which scanner and format wrote it: `Trivy JSON`, `Grype JSON`, `SARIF (Trivy)`. */
  format: string;
  /** As the user gave it, for messages. */
  file: string;
  vulnerabilities: Vulnerability[];
}

export interface VulnerabilityEvidence {
  current: VulnerabilityReport;
  /** The Before: the scanner's report on the baseline image (`baseline-vulnerability-report`). */
  baseline: VulnerabilityReport | null;
}

export async function readVulnerabilityReport(
  path: string,
  shown: string,
  input: string,
): Promise<VulnerabilityReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${input}: cannot read ${shown} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}); give the JSON or SARIF file the scanner wrote`,
      { cause: error },
    );
  }
  return parseVulnerabilityReport(text, shown, input);
}

export function parseVulnerabilityReport(
  text: string,
  file: string,
  input = 'vulnerability-report',
): VulnerabilityReport {
  const fail = (why: string): UsageError =>
    new UsageError(
      `${input}: ${file} ${why}; give Trivy JSON (trivy image --format json), Grype JSON (grype -o json) or SARIF from either`,
    );
  if (text.trim() === '') throw fail('is empty (did the scanner fail before writing it?)');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw fail(`is not JSON (${errorMessage(error)})`);
  }
  const vulnerabilities = (found: Vulnerability[], format: string): VulnerabilityReport => ({
    format,
    file,
    vulnerabilities: dedupe(found),
  });
  if (isObject(data) && 'SchemaVersion' in data) {
    if (data.SchemaVersion !== 2) throw fail(`is Trivy JSON of schema version ${String(data.SchemaVersion)}, not 2`);
    return vulnerabilities(fromTrivy(data, fail), 'Trivy JSON');
  }
  if (isObject(data) && Array.isArray(data.matches))
    return vulnerabilities(fromGrype(data.matches, fail), 'Grype JSON');
  if (isObject(data) && typeof data.version === 'string' && Array.isArray(data.runs)) {
    const names = [...new Set(data.runs.map(driverName))].filter(Boolean).join(', ');
    return vulnerabilities(fromSarif(data.runs, fail), `SARIF (${names || 'unknown tool'})`);
  }
  throw fail('is neither a Trivy nor a Grype report');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The same CVE in the same package at the same version is one finding, however often it is listed. */
function dedupe(found: Vulnerability[]): Vulnerability[] {
  const seen = new Map<string, Vulnerability>();
  for (const entry of found) {
    const key = `${entry.id}\0${entry.package}\0${entry.installed}`;
    if (!seen.has(key)) seen.set(key, entry);
  }
  return [...seen.values()];
}

function severityOf(value: string): VulnerabilitySeverity {
  const lower = value.toLowerCase();
  if (lower === 'critical' || lower === 'high' || lower === 'medium' || lower === 'low') return lower;
  if (lower === 'negligible') return 'low';
  return 'unknown';
}

type Fail = (why: string) => UsageError;

/** Trivy: `Results[].Vulnerabilities[]`, a result per OS or language package set. */
function fromTrivy(data: Record<string, unknown>, fail: Fail): Vulnerability[] {
  const results = data.Results ?? [];
  if (!Array.isArray(results)) throw fail('has Results that is not a list');
  return results.flatMap((result) => {
    if (!isObject(result)) throw fail('has a Results entry that is not an object');
    const listed = result.Vulnerabilities ?? [];
    if (!Array.isArray(listed)) throw fail(`has Vulnerabilities in ${text(result.Target)} that is not a list`);
    return listed.flatMap((entry): Vulnerability[] => {
      if (!isObject(entry) || typeof entry.VulnerabilityID !== 'string')
        throw fail('has a vulnerability without a VulnerabilityID');
      const fixedIn = text(entry.FixedVersion).split(',')[0].trim() || null;
      // Status (Trivy ≥ 0.37) says "fixed" or why not; older reports only have FixedVersion.
      const status = text(entry.Status);
      if (status === 'not_affected') return []; // the vendor says the package is not affected
      const fixable = !status
        ? fixedIn !== null
        : status === 'fixed'
          ? true
          : ['unknown', 'under_investigation'].includes(status)
            ? null
            : false;
      return [
        {
          id: entry.VulnerabilityID,
          package: text(entry.PkgName) || text(entry.PkgID),
          installed: text(entry.InstalledVersion),
          fixedIn,
          fixable,
          severity: severityOf(text(entry.Severity)),
        },
      ];
    });
  });
}

/** Grype: `matches[]`, each a vulnerability matched to an artifact (a package). */
function fromGrype(matches: unknown[], fail: Fail): Vulnerability[] {
  return matches.map((match): Vulnerability => {
    const vulnerability = isObject(match) && isObject(match.vulnerability) ? match.vulnerability : null;
    const id = vulnerability ? text(vulnerability.id) : '';
    if (!vulnerability || !id) throw fail('has a match without vulnerability.id');
    const artifact = isObject(match) && isObject(match.artifact) ? match.artifact : {};
    const fix = isObject(vulnerability.fix) ? vulnerability.fix : {};
    const versions = Array.isArray(fix.versions) ? fix.versions.map(text).filter(Boolean) : [];
    return {
      id,
      package: text(artifact.name),
      installed: text(artifact.version),
      fixedIn: versions[0] ?? null,
      // not-fixed and wont-fix are known answers; unknown (or none) is not an answer.
      fixable: text(fix.state) === 'fixed' ? true : ['not-fixed', 'wont-fix'].includes(text(fix.state)) ? false : null,
      severity: severityOf(text(vulnerability.severity)),
    };
  });
}

function driverName(run: unknown): string {
  return isObject(run) && isObject(run.tool) && isObject(run.tool.driver) ? text(run.tool.driver.name) : '';
}

const ADVISORY = /\b(CVE-\d{4}-\d{4,}|GHSA(?:-[0-9a-z]{4}){3}|GO-\d{4}-\d+|RUSTSEC-\d{4}-\d+|PYSEC-\d{4}-\d+)\b/i;

/**
 * SARIF: one rule per vulnerability (Grype: per vulnerability and package). Both scanners write a
 * `Severity:` line in the rule's help; Trivy writes the package and versions in each result's
 * message (its rules are per vulnerability, shared by packages), Grype in the rule's help
 * (`Package:`, `Version:`, `Fix Version:`, empty when there is no fix). The severity falls back to
 * Trivy's severity tag, then to the `security-severity` score in CVSS bands, as GitHub reads it.
 */
function fromSarif(runs: unknown[], fail: Fail): Vulnerability[] {
  return runs.flatMap((run) => {
    if (!isObject(run)) throw fail('has a run that is not an object');
    const driver = isObject(run.tool) && isObject(run.tool.driver) ? run.tool.driver : {};
    const rules = new Map<string, Record<string, unknown>>();
    for (const rule of Array.isArray(driver.rules) ? driver.rules : [])
      if (isObject(rule) && typeof rule.id === 'string') rules.set(rule.id, rule);
    const results = Array.isArray(run.results) ? run.results : [];
    return results.map((result): Vulnerability => {
      if (!isObject(result) || typeof result.ruleId !== 'string') throw fail('has a result without a ruleId');
      const rule = rules.get(result.ruleId) ?? {};
      const message = isObject(result.message) ? text(result.message.text) : '';
      const help = isObject(rule.help) ? text(rule.help.text) : '';
      const fix = fixVersion(message) ?? fixVersion(help);
      return {
        id: ADVISORY.exec(result.ruleId)?.[1]?.toUpperCase() ?? result.ruleId,
        package:
          firstMatch(message, [/^Package: *(\S+)$/m, /reports (\S+) at version/i, /package: ([^,\s]+), version/i]) ||
          firstMatch(help, [/^Package: *(\S+)$/m]),
        installed:
          firstMatch(message, [/^Installed Version: *(\S+)$/m, /at version (\S+)/i, /, version (\S+)/i]) ||
          firstMatch(help, [/^(?:Installed )?Version: *(\S+)$/m]),
        fixedIn: fix ? fix : null,
        // An empty fix line says there is none; no line at all says nothing.
        fixable: fix === undefined ? null : fix !== '',
        severity: sarifSeverity(rule, help),
      };
    });
  });
}

/** The first version of a `Fixed Version:` / `Fix Version:` line, '' when the line is empty. */
function fixVersion(textBlock: string): string | undefined {
  const line = /^Fix(?:ed)? Version:[ \t]*(.*)$/m.exec(textBlock);
  if (!line) return undefined;
  return line[1].split(',')[0].trim();
}

/** Trivy writes `Package: x` and `Installed Version: y`; Grype `The path p reports x at version y…`. */
function firstMatch(message: string, patterns: RegExp[]): string {
  for (const pattern of patterns) {
    const found = pattern.exec(message)?.[1];
    if (found) return found;
  }
  return '';
}

function sarifSeverity(rule: Record<string, unknown>, help: string): VulnerabilitySeverity {
  const written = severityOf(/^Severity: *(\S+)$/m.exec(help)?.[1] ?? '');
  if (written !== 'unknown') return written;
  const properties = isObject(rule.properties) ? rule.properties : {};
  const tags = Array.isArray(properties.tags) ? properties.tags.map(text) : [];
  const tagged = tags.map(severityOf).find((severity) => severity !== 'unknown');
  if (tagged) return tagged;
  const score = Number(properties['security-severity']);
  if (!Number.isFinite(score) || score <= 0) return 'unknown';
  return score >= 9 ? 'critical' : score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
}

export function countVulnerabilities(found: readonly Vulnerability[]): VulnerabilityCounts {
  const counts: VulnerabilityCounts = {
    critical: 0,
    high: 0,
    medium: 0,
    low: 0,
    unknown: 0,
    fixableCritical: 0,
    fixableHigh: 0,
  };
  for (const entry of found) {
    counts[entry.severity]++;
    if (entry.fixable === true && entry.severity === 'critical') counts.fixableCritical++;
    if (entry.fixable === true && entry.severity === 'high') counts.fixableHigh++;
  }
  return counts;
}

/** The same vulnerability in the same package, whatever version: present before and after is not new. */
export function vulnerabilityKey(entry: Vulnerability): string {
  return `${entry.id}\0${entry.package}`;
}

export interface VulnerabilityChanges {
  added: Vulnerability[];
  fixed: Vulnerability[];
}

export function compareVulnerabilities(
  current: readonly Vulnerability[],
  baseline: readonly Vulnerability[],
): VulnerabilityChanges {
  const before = new Set(baseline.map(vulnerabilityKey));
  const after = new Set(current.map(vulnerabilityKey));
  return {
    added: current.filter((entry) => !before.has(vulnerabilityKey(entry))),
    fixed: baseline.filter((entry) => !after.has(vulnerabilityKey(entry))),
  };
}
