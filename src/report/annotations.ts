import type { ReportedCheck, Severity } from '../model.js';
import { stripControl } from '../util/escape.js';

// What the pull request shows on its lines. GitHub displays at most 10 error and 10 warning
// annotations per step (and 50 per job), so the most severe come first, nothing is said twice,
// and one notice says how many more findings the job summary holds.

export interface Annotation {
  level: Severity;
  title: string;
  /** One line. */
  message: string;
  file?: string;
  startLine?: number;
  endLine?: number;
}

export const PER_LEVEL_LIMIT = 10;
const RANK: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

export function planAnnotations(checks: ReportedCheck[]): Annotation[] {
  const findings = checks.filter((result) => result.status === 'fail' || result.status === 'error');
  const seen = new Set<string>();
  const unique: Annotation[] = [];
  const sorted = [...findings].sort(
    (a, b) =>
      RANK[a.severity] - RANK[b.severity] ||
      (a.location?.file ?? '~').localeCompare(b.location?.file ?? '~') ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0),
  );
  for (const result of sorted) {
    const message = oneLine(result.status === 'error' ? `could not run: ${result.message}` : result.message);
    const key = `${result.id}|${result.location?.file ?? ''}|${result.location?.line ?? ''}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push({
      // A check that could not run is reported as a warning: the image was not judged there.
      level: result.status === 'error' ? 'warning' : result.severity,
      // Several targets: the title says whose finding it is.
      title: `${result.targetName ? `[${result.targetName}] ` : ''}${result.id} ${result.title}`,
      message,
      ...(result.location ? { file: result.location.file } : {}),
      ...(result.location?.line ? { startLine: result.location.line } : {}),
      ...(result.location?.endLine ? { endLine: result.location.endLine } : {}),
    });
  }
  const shown: Annotation[] = [];
  const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  const dropped: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  // One notice place is kept for the "and more" line.
  const limit = (level: Severity): number => (level === 'notice' ? PER_LEVEL_LIMIT - 1 : PER_LEVEL_LIMIT);
  for (const annotation of unique.sort((a, b) => RANK[a.level] - RANK[b.level])) {
    if (counts[annotation.level] < limit(annotation.level)) {
      shown.push(annotation);
      counts[annotation.level]++;
    } else dropped[annotation.level]++;
  }
  const more = dropped.error + dropped.warning + dropped.notice;
  if (more > 0) {
    const parts = (['error', 'warning', 'notice'] as const)
      .filter((level) => dropped[level] > 0)
      .map((level) => `${dropped[level]} ${level}${dropped[level] === 1 ? '' : 's'}`);
    shown.push({
      level: 'notice',
      title: 'More findings in the job summary',
      message: `${more} more finding(s) (${parts.join(', ')}) are not annotated: GitHub shows at most ${PER_LEVEL_LIMIT} per level and step. The job summary and the JSON report list every check.`,
    });
  }
  return shown;
}

function oneLine(text: string, limit = 900): string {
  const flat = stripControl(text)
    .replace(/\s*\n\s*/g, ' | ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > limit ? `${flat.slice(0, limit)}…` : flat;
}
