import type { Report } from '../model.js';
import { formatBytes, formatSeconds } from '../util/format.js';
import { VERDICT_ICON, verdictWord } from './build-report.js';
import { securityRows } from './security-rows.js';

// The overview of a run of several targets, one row each: what a reviewer compares first. The
// summary, the PR comment and the terminal show the same rows.

export interface OverviewRow {
  target: string;
  verdict: string;
  size: string;
  user: string;
  health: string;
  startup: string;
  stop: string;
  failed: string;
}

export function overviewRows(report: Report): OverviewRow[] {
  return report.targets.map((target) => {
    const { metrics } = target;
    const word = verdictWord(target.checks, report.failOn);
    const health = securityRows(target, null).find((row) => row.issue === 'Health check')!.after;
    const failed = [...new Set(target.checks.filter((check) => check.status === 'fail').map((check) => check.id))];
    return {
      target: target.name,
      verdict: `${VERDICT_ICON[word]} ${word}`,
      size: metrics.imageSizeBytes === null ? '–' : formatBytes(metrics.imageSizeBytes),
      user: metrics.runUid === null ? '–' : metrics.runUid === 0 ? 'root (UID 0)' : `UID ${metrics.runUid}`,
      health: health.state === 'unknown' ? '–' : health.text.replace(/ \(.*\)$/, ''),
      startup: formatSeconds(metrics.startupSeconds),
      stop:
        metrics.stopSeconds === null
          ? '–'
          : `${formatSeconds(metrics.stopSeconds)}${metrics.stopExitCode === 137 ? ' (killed)' : ''}`,
      failed:
        failed.length === 0
          ? 'none'
          : failed.length > 4
            ? `${failed.slice(0, 4).join(', ')} +${failed.length - 4}`
            : failed.join(', '),
    };
  });
}
