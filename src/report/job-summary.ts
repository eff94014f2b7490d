import { describePush } from './push-line.js';
import type { FailOn, Report, TargetReport } from '../model.js';
import { targetCounts, VERDICT_ICON, verdictWord } from './build-report.js';
import { escapeMarkdown } from '../util/escape.js';
import { cisSection, securityContextSection, vulnerabilityChangesSection } from './compliance-sections.js';
import { engineLine } from './engine-line.js';
import { overviewRows } from './overview.js';
import { platformDifferences } from './platform-differences.js';
import { findingCount, sharedFindings, splitOf, type SharedFindings } from './platform-findings.js';
import { sizeText } from './size-text.js';
import { stackResilienceTable } from './stack-resilience.js';
import {
  allPlatformsFindings,
  checksSection,
  criteriaList,
  performanceTables,
  securityTable,
  sizeTable,
} from './target-sections.js';
import { countFailures } from './terminal.js';

// The job summary: the verdict of the run; for several targets an overview table (target |
// verdict | size | user | health | startup | stop | failed checks) and one collapsible section
// per target; for one target the sections themselves, as the user's document lays them out.
// Pure: returns Markdown; the action writes it.

/** GitHub rejects a step summary over 1 MiB; leave room for other steps' summaries. */
export const SUMMARY_LIMIT_BYTES = 900 * 1024;

export interface SummaryOptions {
  /** Link to the workflow run, for the PR comment. */
  runUrl?: string;
}

export function renderJobSummary(report: Report): string {
  const foot = [cisSection(report), footer(report)].filter(Boolean).join('\n\n');
  const head = [verdictLine(report), pushBlock(report), overview(report), differencesBlock(report), notesBlock(report)]
    .filter(Boolean)
    .join('\n\n');
  const single = report.targets.length === 1;
  // A finding every platform of a build has is listed once, before its first platform's section.
  const shared = sharedFindings(report);
  const bodies = report.targets.map((target) => {
    const split = splitOf(target, shared);
    const group = shared.find((candidate) => candidate.targets[0] === target);
    return {
      target,
      before: group ? allPlatformsSection(group, report.failOn) : '',
      tables: targetTables(target),
      checks: checksSection(
        target.checks,
        split.shared ? { label: split.shared.label, isShared: split.isShared } : undefined,
      ),
    };
  });
  // Whole sections while they fit; the checks of the last targets go first when they do not.
  let room = SUMMARY_LIMIT_BYTES - Buffer.byteLength(head) - Buffer.byteLength(foot) - 400;
  for (const body of bodies) room -= Buffer.byteLength(body.tables) + Buffer.byteLength(body.before) + 200;
  const sections = bodies.flatMap(({ target, before, tables, checks }) => {
    const fitted = fitTo(checks, room, target);
    room -= Buffer.byteLength(fitted);
    const content = [tables, fitted].filter(Boolean).join('\n\n');
    return [before, single ? content : collapsible(target, content, report.failOn)].filter(Boolean);
  });
  return `${[head, ...sections, foot].filter(Boolean).join('\n\n')}\n`;
}

/** The PR comment: the verdict, the overview, and each target's security summary and performance tables. */
export function renderComment(report: Report, marker: string, options: SummaryOptions = {}): string {
  const link = options.runUrl ? `\n\n[Full report in the job summary](${options.runUrl})` : '';
  const tables = (target: TargetReport): string =>
    [baselineNote(target), securityTable(target), performanceTables(target)].filter(Boolean).join('\n\n');
  const sections =
    report.targets.length === 1
      ? [tables(report.targets[0]), notesBlock(report)]
      : [
          overview(report),
          differencesBlock(report),
          notesBlock(report),
          ...report.targets.map((target) => collapsible(target, tables(target), report.failOn)),
        ];
  return `${marker}\n${[verdictLine(report), pushBlock(report), ...sections].filter(Boolean).join('\n\n')}${link}\n`;
}

function targetTables(target: TargetReport): string {
  return [
    baselineNote(target),
    securityTable(target),
    vulnerabilityChangesSection(target),
    sizeTable(target),
    performanceTables(target),
    stackResilienceTable(target),
    criteriaList(target),
    securityContextSection(target),
  ]
    .filter(Boolean)
    .join('\n\n');
}

function collapsible(target: TargetReport, content: string, failOn: FailOn): string {
  const icon = VERDICT_ICON[verdictWord(target.checks, failOn)];
  const summary = `${icon} <b>${escapeMarkdown(target.name, 200)}</b>${escapeMarkdown(sizeText(target.metrics))} · ${countFailures(target.checks)}`;
  return [`<details${target.passed ? '' : ' open'}><summary>${summary}</summary>`, '', content, '', '</details>'].join(
    '\n',
  );
}

/** `app (all platforms)`: the findings all the build's platforms have, once; open when one of them gates. */
function allPlatformsSection(group: SharedFindings, failOn: FailOn): string {
  const word = verdictWord(group.findings, failOn);
  const summary = `${VERDICT_ICON[word]} <b>${escapeMarkdown(group.label, 200)}</b> · ${findingCount(group.findings.length)} on every platform: ${escapeMarkdown(group.platforms.join(', '))}`;
  return [
    `<details${word === 'passed' ? '' : ' open'}><summary>${summary}</summary>`,
    '',
    allPlatformsFindings(group.findings, group.platforms),
    '',
    '</details>',
  ].join('\n');
}

/** Where the figures were measured: the engine, its image store and buildx, and the tool's version. */
function footer(report: Report): string {
  const where = report.engine
    ? `Measured on ${escapeMarkdown(engineLine(report.engine))}`
    : 'Static analysis: no engine used';
  return `<sub>${where} · ${escapeMarkdown(`${report.tool.name} ${report.tool.version}`)}</sub>`;
}

function verdictLine(report: Report): string {
  const word = verdictWord(report.checks, report.failOn);
  const head = `## ${VERDICT_ICON[word]} Container hardening: ${word}`;
  if (report.targets.length !== 1) {
    return [
      head,
      '',
      `${report.targets.length} targets, ${targetCounts(report)} · ${countFailures(report.checks)} · fail-on: <code>${report.failOn}</code>`,
    ].join('\n');
  }
  const target = report.targets[0];
  const image = target.target.image ?? target.target.dockerfile ?? target.name;
  const baseline =
    target.baseline && !target.baseline.absent
      ? ` · compared with <code>${escapeMarkdown(target.baseline.label, 200)}</code>`
      : '';
  return [
    head,
    '',
    `<code>${escapeMarkdown(image, 200)}</code>${escapeMarkdown(sizeText(target.metrics))} · ${countFailures(report.checks)} · fail-on: <code>${report.failOn}</code>${baseline}`,
  ].join('\n');
}

/** Several targets: one row each, the figures a reviewer compares first. */
function overview(report: Report): string {
  if (report.targets.length < 2) return '';
  const rows = overviewRows(report).map(
    (row) =>
      `| ${escapeMarkdown(row.target, 200)} | ${row.verdict} | ${escapeMarkdown(row.size)} | ${escapeMarkdown(row.user)} | ${escapeMarkdown(row.health)} | ${escapeMarkdown(row.startup)} | ${escapeMarkdown(row.stop)} | ${escapeMarkdown(row.failed)} |`,
  );
  return [
    '| Target | Verdict | Size | User | Health | Startup | Stop | Failed checks |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** What differs between the platforms of each build proven for several (platform-differences.ts). */
function differencesBlock(report: Report): string {
  const found = platformDifferences(report);
  if (found.length === 0) return '';
  return [
    '**Differences between platforms**',
    '',
    ...found.flatMap(({ target, lines }) => [
      `- ${escapeMarkdown(target, 200)}`,
      ...lines.map((line) => `  - ${escapeMarkdown(line)}`),
    ]),
  ].join('\n');
}

/**
 * What the run did not prove (a service image, a profile not active), once for the whole run:
 * each with why, and how to prove it.
 */
function pushBlock(report: Report): string {
  return report.push ? escapeMarkdown(describePush(report.push)) : '';
}

function notesBlock(report: Report): string {
  if (report.notes.length === 0) return '';
  return ['**Not covered by this run**', '', ...report.notes.map((note) => `- ${escapeMarkdown(note)}`)].join('\n');
}

function baselineNote(target: TargetReport): string {
  if (!target.baseline) return '';
  if (target.baseline.absent)
    return `_No Before for ${escapeMarkdown(target.name)}: ${escapeMarkdown(target.baseline.absent)}._`;
  return '';
}

/** Keeps whole category blocks while they fit, then says what was left out (the JSON has all). */
function fitTo(blocks: string[], room: number, target: TargetReport): string {
  const kept: string[] = [];
  let used = 0;
  for (const block of blocks) {
    const size = Buffer.byteLength(block) + 2;
    if (used + size > room) {
      kept.push(
        `_The summary reached GitHub's size limit; the remaining categories of ${escapeMarkdown(target.name)} are in the JSON report (${target.checks.length} checks in all)._`,
      );
      break;
    }
    kept.push(block);
    used += size;
  }
  return kept.join('\n\n');
}
