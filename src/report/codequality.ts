import { createHash } from 'node:crypto';
import type { Report, Severity } from '../model.js';

// GitLab Code Quality (`artifacts:reports:codequality`): the Code Climate subset GitLab reads —
// one issue per failed check, with its description, check name, severity, a location in the
// repository and a fingerprint. GitLab compares the fingerprints of the merge request with its
// base's to show what is new and what is resolved, so a fingerprint names the finding (target,
// check, file and line, and which of several findings on that line), never the figures measured.

const SEVERITY: Record<Severity, 'critical' | 'major' | 'info'> = {
  error: 'critical',
  warning: 'major',
  notice: 'info',
};

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  location: { path: string; lines: { begin: number; end?: number } };
}

export function renderCodeQuality(report: Report): CodeQualityIssue[] {
  const seen = new Map<string, number>();
  const several = report.targets.length > 1;
  return report.targets.flatMap((target) => {
    const fallback = target.target.dockerfile ?? firstFile(target.checks) ?? 'Dockerfile';
    return target.checks
      .filter((check) => check.status === 'fail')
      .map((check): CodeQualityIssue => {
        const path = check.location?.file ?? fallback;
        const begin = check.location?.line ?? 1;
        const key = `${target.name}\0${check.id}\0${path}\0${begin}`;
        const nth = (seen.get(key) ?? 0) + 1;
        seen.set(key, nth);
        return {
          description: `${several ? `[${target.name}] ` : ''}${check.title}: ${check.message}`,
          check_name: check.id,
          fingerprint: createHash('sha256').update(`${key}\0${nth}`).digest('hex').slice(0, 32),
          severity: SEVERITY[check.severity],
          location: {
            path,
            lines: { begin, ...(check.location?.endLine ? { end: check.location.endLine } : {}) },
          },
        };
      });
  });
}

function firstFile(checks: Report['checks']): string | null {
  return checks.find((check) => check.location)?.location?.file ?? null;
}
