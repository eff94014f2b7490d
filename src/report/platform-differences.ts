import type { CheckResult, Report, TargetReport } from '../model.js';
import { formatBytes } from '../util/format.js';

// What differs between the platforms of a build proven for several (`platforms`): the variant that
// breaks differently is the one nobody ran. Said per target, against its first platform: sizes
// that differ, checks whose verdict differs (a pass on one, a failure on another), and platforms
// that could not be judged here at all. A skip is no verdict, so it makes no difference (the cache
// probe runs on the first platform only; a figure emulation makes too slow is not judged).

export interface PlatformDifferences {
  /** The target's name without the platform. */
  target: string;
  lines: string[];
}

/** A size within this share of the first platform's is the same size (compression, timestamps). */
const SAME_SIZE_SHARE = 0.01;

/** Each build proven for several platforms: its name and its platforms' targets, in the report's order. */
export function platformGroups(report: Pick<Report, 'targets'>): [string, TargetReport[]][] {
  const groups = new Map<string, TargetReport[]>();
  for (const target of report.targets)
    if (target.platformOf) groups.set(target.platformOf, [...(groups.get(target.platformOf) ?? []), target]);
  return [...groups].filter(([, targets]) => targets.length > 1);
}

export function platformDifferences(report: Pick<Report, 'targets'>): PlatformDifferences[] {
  const found: PlatformDifferences[] = [];
  for (const [name, targets] of platformGroups(report)) {
    const lines = differencesOf(targets);
    if (lines.length > 0) found.push({ target: name, lines });
  }
  return found;
}

function platformOf(target: TargetReport): string {
  return target.target.platform ?? target.name;
}

function differencesOf(targets: TargetReport[]): string[] {
  const [first, ...others] = targets;
  const lines: string[] = [];
  const judged = targets.filter((target) => !notJudged(target));
  for (const target of targets.filter(notJudged)) {
    const reason = target.checks.find((check) => check.status === 'error')?.message ?? '';
    lines.push(`${platformOf(target)}: not judged here — ${reason.replace(/^could not collect \w+ evidence: /, '')}`);
  }
  for (const other of others.filter((target) => judged.includes(target) && judged.includes(first))) {
    for (const [label, key] of [
      ['unpacked', 'imageSizeBytes'],
      ['compressed', 'compressedSizeBytes'],
    ] as const) {
      const base = first.metrics[key];
      const size = other.metrics[key];
      if (base === null || size === null || Math.abs(size - base) <= SAME_SIZE_SHARE * base) continue;
      lines.push(
        `${platformOf(other)} is ${formatBytes(Math.abs(size - base))} ${size > base ? 'larger' : 'smaller'} ${label}: ${formatBytes(size)} against ${formatBytes(base)} on ${platformOf(first)} (${size > base ? '+' : '−'}${Math.round((Math.abs(size - base) / base) * 100)} %)`,
      );
    }
  }
  // Each check judged (pass or fail) on every judged platform, with not the same verdict everywhere.
  const ids = [...new Set(judged.flatMap((target) => target.checks.map((check) => check.id)))];
  for (const id of ids) {
    const verdicts = judged.map((target) => ({ target, check: target.checks.find((check) => check.id === id) }));
    if (!verdicts.every(({ check }) => check && (check.status === 'pass' || check.status === 'fail'))) continue;
    const failing = verdicts.filter(({ check }) => check!.status === 'fail');
    if (failing.length === 0 || failing.length === verdicts.length) continue;
    const passing = verdicts.filter(({ check }) => check!.status === 'pass');
    const where = failing.map(({ target }) => platformOf(target)).join(', ');
    const example: CheckResult = failing[0].check!;
    lines.push(
      `${id} fails on ${where} only (passes on ${passing.map(({ target }) => platformOf(target)).join(', ')}): ${example.message}`,
    );
  }
  return lines;
}

/** A platform none of whose image checks could run (the builder cannot build it here). */
function notJudged(target: TargetReport): boolean {
  return target.checks.some((check) => check.id === 'HARD-BUILD-001' && check.status === 'error');
}
