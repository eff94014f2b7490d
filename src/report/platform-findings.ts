import type { CheckResult, Report, TargetReport } from '../model.js';
import { platformGroups } from './platform-differences.js';

// A finding that holds on every platform of a build proven for several (`platforms`) is the
// build's, not a platform's: the terminal and the job summary say it once, for `<target> (all
// platforms)`, and each platform's section shows only its own. The report's targets, their
// verdicts and counts, SARIF and JUnit keep every platform's checks as they are.
//
// The same finding: the same check, status, severity, title, location and fix, and the same
// message to the character. A message carries what was measured (sizes, seconds, paths), so a
// figure that differs between the platforms (the image is 567 MB on one, 612 MB on the other)
// keeps the finding per platform. A pass or a skip is no finding.

export interface SharedFindings {
  /** The target's name without the platform. */
  target: string;
  /** How the reports name the findings' section: `app (all platforms)`. */
  label: string;
  /** The platforms, as the targets name them (`linux/amd64`), in the report's order. */
  platforms: string[];
  /** The platform targets, in the report's order. */
  targets: TargetReport[];
  /** Each finding once, as the first platform has it. */
  findings: CheckResult[];
}

export function allPlatformsLabel(target: string): string {
  return `${target} (all platforms)`;
}

function isFinding(check: CheckResult): boolean {
  return check.status === 'fail' || check.status === 'error';
}

function keyOf(check: CheckResult): string {
  return JSON.stringify([
    check.id,
    check.status,
    check.severity,
    check.title,
    check.message,
    check.location?.file ?? null,
    check.location?.line ?? null,
    check.location?.endLine ?? null,
    check.status === 'fail' ? (check.remediation ?? null) : null,
  ]);
}

/** Per build proven for several platforms, the findings every one of its platforms has; none else. */
export function sharedFindings(report: Pick<Report, 'targets'>): SharedFindings[] {
  const found: SharedFindings[] = [];
  for (const [name, targets] of platformGroups(report)) {
    const [first, ...others] = targets;
    const keysOf = others.map((target) => new Set(target.checks.filter(isFinding).map(keyOf)));
    const findings = first.checks.filter((check) => isFinding(check) && keysOf.every((keys) => keys.has(keyOf(check))));
    if (findings.length === 0) continue;
    found.push({
      target: name,
      label: allPlatformsLabel(name),
      platforms: targets.map((target) => target.target.platform ?? target.name),
      targets,
      findings,
    });
  }
  return found;
}

/** What the reports say of one target's checks: the findings said once for all its platforms, and the rest. */
export interface PlatformSplit {
  /** The group this target is a platform of, when it shares findings with its other platforms. */
  shared: SharedFindings | null;
  /** Whether a check of this target is said once for all its platforms. */
  isShared: (check: CheckResult) => boolean;
}

export function splitOf(target: TargetReport, shared: SharedFindings[]): PlatformSplit {
  const group = shared.find((candidate) => candidate.targets.includes(target)) ?? null;
  if (!group) return { shared: null, isShared: () => false };
  const keys = new Set(group.findings.map(keyOf));
  return { shared: group, isShared: (check) => isFinding(check) && keys.has(keyOf(check)) };
}

/** "3 findings": how many, in words. */
export function findingCount(count: number): string {
  return `${count} finding${count === 1 ? '' : 's'}`;
}
