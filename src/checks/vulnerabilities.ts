import {
  compareVulnerabilities,
  type Vulnerability,
  type VulnerabilityChanges,
  type VulnerabilityEvidence,
  type VulnerabilitySeverity,
} from '../evidence/vulnerability-findings.js';
import type { Settings } from '../evidence/types.js';
import { defineCheck, type CheckContext, type Verdict } from './registry.js';

// The scanner's findings against thresholds. With the scanner's report on the baseline too, the
// thresholds count only what this change adds: a pull request does not fail for vulnerabilities
// it did not bring (they are still listed), and the ones it removes are credited.

/** What the thresholds count: this severity, with a fix unless only-fixable is off (unknown counts). */
function counted(
  found: readonly Vulnerability[],
  severity: VulnerabilitySeverity,
  settings: Settings,
): Vulnerability[] {
  return found.filter((entry) => entry.severity === severity && (!settings.onlyFixable || entry.fixable !== false));
}

export function describeVulnerability(entry: Vulnerability): string {
  const fix = entry.fixedIn ? ` → ${entry.fixedIn}` : entry.fixable === false ? ', no fix' : '';
  const where = entry.package ? ` ${entry.package}${entry.installed ? ` ${entry.installed}` : ''}` : '';
  return `${entry.id}${where}${fix}`;
}

function listed(found: readonly Vulnerability[], most = 5): string {
  const shown = found.slice(0, most).map(describeVulnerability).join(', ');
  return found.length > most ? `${shown}, and ${found.length - most} more` : shown;
}

function thresholdVerdict(
  severity: 'critical' | 'high',
  limit: number,
  vulnerabilities: VulnerabilityEvidence,
  { settings, locate }: CheckContext,
): Verdict {
  const { current, baseline } = vulnerabilities;
  const location = locate.finalFrom();
  const where = location ? { location } : {};
  const kind = `${settings.onlyFixable ? 'fixable ' : ''}${severity}`;
  const all = counted(current.vulnerabilities, severity, settings);
  const source = `${current.file} (${current.format})`;
  const uncounted =
    settings.onlyFixable &&
    current.vulnerabilities.some((entry) => entry.severity === severity && entry.fixable === false)
      ? `; ${current.vulnerabilities.filter((entry) => entry.severity === severity && entry.fixable === false).length} without a fix not counted (only-fixable)`
      : '';
  if (!baseline) {
    const message =
      all.length === 0
        ? `no ${kind} vulnerability in ${source}${uncounted}`
        : `${all.length} ${kind} in ${source} (limit ${limit}): ${listed(all)}${uncounted}`;
    return { status: all.length > limit ? 'fail' : 'pass', message, measured: all.length, target: limit, ...where };
  }
  const added = compareVulnerabilities(all, counted(baseline.vulnerabilities, severity, settings)).added;
  const inherited = all.length - added.length;
  const before = inherited > 0 ? `; ${inherited} already in the baseline (${baseline.file}), not counted` : '';
  const message =
    added.length === 0
      ? `this change adds no ${kind} vulnerability${before}`
      : `this change adds ${added.length} ${kind} (limit ${limit}): ${listed(added)}${before}`;
  return { status: added.length > limit ? 'fail' : 'pass', message, measured: added.length, target: limit, ...where };
}

const WHY_SCANNER =
  'The image ships every package it contains: a known, fixable vulnerability is one a rebuild or an upgrade removes.';
const REMEDIATION =
  'Rebuild on a patched base (a newer tag or digest), upgrade the packages the report names to their fixed versions, or drop the packages the service does not need.';

export const checkCriticalVulnerabilities = defineCheck({
  id: 'HARD-VULNERABILITIES-001',
  cis: ['4.4'],
  category: 'vulnerabilities',
  severity: 'error',
  title: 'Critical vulnerabilities within max-critical',
  proves:
    "The scanner's report (Trivy or Grype) on this image lists no more critical vulnerabilities than max-critical — with a baseline report, this change adds no more than that.",
  why: WHY_SCANNER,
  threshold: 'max-critical: 0, fixable only (only-fixable: true)',
  remediation: REMEDIATION,
  needs: ['vulnerabilities'],
  run({ vulnerabilities }, context) {
    return thresholdVerdict('critical', context.settings.maxCritical ?? 0, vulnerabilities, context);
  },
});

export const checkHighVulnerabilities = defineCheck({
  id: 'HARD-VULNERABILITIES-002',
  cis: ['4.4'],
  category: 'vulnerabilities',
  severity: 'warning',
  title: 'High vulnerabilities within max-high',
  proves:
    "The scanner's report on this image lists no more high vulnerabilities than max-high — with a baseline report, this change adds no more than that.",
  why: WHY_SCANNER,
  threshold: 'max-high: 0, fixable only (only-fixable: true)',
  remediation: REMEDIATION,
  needs: ['vulnerabilities'],
  run({ vulnerabilities }, context) {
    return thresholdVerdict('high', context.settings.maxHigh ?? 0, vulnerabilities, context);
  },
});

export const checkVulnerabilityDelta = defineCheck({
  id: 'HARD-VULNERABILITIES-003',
  cis: ['4.4'],
  category: 'vulnerabilities',
  severity: 'notice',
  title: 'The change adds no vulnerability',
  proves:
    "Between the scanner's report on the baseline image and on this one, no vulnerability (of any severity, fixable unless only-fixable is off) appears that was not there before; the ones that disappeared are listed as fixed.",
  why: 'Reviewers judge a change by what it changes: the vulnerabilities it brings in and the ones it removes.',
  threshold: 'needs baseline-vulnerability-report',
  remediation: REMEDIATION,
  needs: ['vulnerabilities'],
  run({ vulnerabilities }, { settings, locate }) {
    const { current, baseline } = vulnerabilities;
    if (!baseline) return { status: 'skip', message: 'no baseline-vulnerability-report to compare with' };
    const relevant = (found: readonly Vulnerability[]): Vulnerability[] =>
      found.filter((entry) => !settings.onlyFixable || entry.fixable !== false);
    const { added, fixed } = compareVulnerabilities(
      relevant(current.vulnerabilities),
      relevant(baseline.vulnerabilities),
    );
    // The summary lists them from here (`measured`).
    const measured: VulnerabilityChanges = { added, fixed };
    const fixes = fixed.length > 0 ? `; fixes ${fixed.length}: ${listed(fixed)}` : '';
    const location = locate.finalFrom();
    const where = location ? { location } : {};
    if (added.length === 0)
      return { status: 'pass', message: `adds no vulnerability${fixes || '; fixes none'}`, measured, ...where };
    return { status: 'fail', message: `adds ${added.length}: ${listed(added)}${fixes}`, measured, ...where };
  },
});
