import { CIS_BENCHMARK } from '../cis.js';
import type { VulnerabilityChanges } from '../evidence/vulnerability-findings.js';
import type { CisCoverage, CisStatus, Report, TargetReport } from '../model.js';
import { escapeMarkdown } from '../util/escape.js';
import { cisTally } from './cis-coverage.js';
import { securityContextYaml } from './security-context.js';

// What an auditor and a platform team read: which CIS Docker Benchmark recommendations the run
// proved, and the Kubernetes securityContext that matches what was measured.

const CIS_LABEL: Record<CisStatus, string> = {
  met: '✅ met',
  'not-met': '❌ not met',
  error: '⚠️ could not run',
  'not-judged': '➖ not judged here',
  outside: '⬜ outside an image gate',
};

export function cisSection(report: Report): string {
  if (report.cis.length === 0) return '';
  const tally = cisTally(report.cis);
  const counts = (['met', 'not-met', 'error', 'not-judged', 'outside'] as const)
    .filter((status) => tally[status] > 0)
    .map((status) => `${tally[status]} ${CIS_LABEL[status].replace(/^\S+ /, '')}`)
    .join(' · ');
  const open = tally['not-met'] + tally.error > 0 ? ' open' : '';
  const row = (entry: CisCoverage): string => {
    const checks = entry.checks.map((id) => `<code>${id}</code>`).join(' ');
    const note = entry.note ? escapeMarkdown(entry.note, 300) : '';
    return `| ${entry.id} | ${escapeMarkdown(entry.title)} | ${CIS_LABEL[entry.status]} | ${[checks, note].filter(Boolean).join(' — ')} |`;
  };
  return [
    `<details${open}><summary><b>${CIS_BENCHMARK}</b>, images (4) and runtime (5): ${counts}</summary>`,
    '',
    '_Met only where a check that proves it ran and passed; the compose file stands for the runtime._',
    '',
    '| CIS | Recommendation | Result | Judged by |',
    '| --- | --- | --- | --- |',
    ...report.cis.map(row),
    '',
    '</details>',
  ].join('\n');
}

export function securityContextSection(target: TargetReport): string {
  const proposal = target.securityContext;
  if (!proposal) return '';
  const proven = proposal.hardened
    ? 'UID/GID of the running service; read-only root, no capabilities and no privilege escalation proven by the hardened run'
    : 'UID/GID of the running service';
  return [
    '### Kubernetes securityContext',
    '',
    `_From what was measured: ${proven}._`,
    '',
    '```yaml',
    securityContextYaml(proposal),
    '```',
  ].join('\n');
}

/** What the change adds and fixes, from the scanner's reports on the baseline and on this image. */
export function vulnerabilityChangesSection(target: TargetReport, most = 50): string {
  const delta = target.checks.find((check) => check.id === 'HARD-VULNERABILITIES-003');
  if (!delta || (delta.status !== 'pass' && delta.status !== 'fail')) return '';
  const { added, fixed } = delta.measured as VulnerabilityChanges;
  if (added.length + fixed.length === 0) return '';
  const rows = [
    ...added.map((entry) => ({ entry, change: '❌ new' })),
    ...fixed.map((entry) => ({ entry, change: '✅ fixed' })),
  ];
  const order: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, unknown: 4 };
  rows.sort((a, b) => (order[a.entry.severity] ?? 5) - (order[b.entry.severity] ?? 5));
  const lines = rows.slice(0, most).map(({ entry, change }) => {
    const where = `${entry.package}${entry.installed ? ` ${entry.installed}` : ''}`;
    return `| ${escapeMarkdown(entry.id)} | ${escapeMarkdown(where)} | ${entry.severity} | ${escapeMarkdown(entry.fixedIn ?? '–')} | ${change} |`;
  });
  const more = rows.length > most ? [`_…and ${rows.length - most} more in the JSON report._`] : [];
  return [
    '### Vulnerabilities this change adds and fixes',
    '',
    '| Vulnerability | Package | Severity | Fixed in | Change |',
    '| --- | --- | --- | --- | --- |',
    ...lines,
    ...more,
  ].join('\n');
}
