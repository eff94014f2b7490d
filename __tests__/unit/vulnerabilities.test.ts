import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collected } from '../../src/evidence/collected.js';
import type { compareVulnerabilities } from '../../src/evidence/vulnerability-findings.js';
import {
  countVulnerabilities,
  parseVulnerabilityReport,
  type VulnerabilityReport,
} from '../../src/evidence/vulnerability-findings.js';
import { readVulnerabilityReport } from '../../src/evidence/vulnerabilities.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { renderJobSummary } from '../../src/report/job-summary.js';
import { UsageError } from '../../src/util/errors.js';
import { copy, judge, recorded, reportOf, result } from '../helpers/evidence.js';

// Trivy and Grype reports (JSON and SARIF) read into one list; thresholds on what is fixable; with
// the report on the baseline, what the change adds and what it fixes.

const DIR = join(process.cwd(), '__tests__/fixtures/scanners');
const read = (file: string): VulnerabilityReport =>
  parseVulnerabilityReport(readFileSync(join(DIR, file), 'utf8'), file);
const ids = (report: VulnerabilityReport): string[] => report.vulnerabilities.map((entry) => entry.id).sort();

function withReports(current: string, baseline: string | null = null): EvidenceSet {
  const evidence = copy(recorded('hardened').evidence);
  evidence.vulnerabilities = collected({ current: read(current), baseline: baseline ? read(baseline) : null });
  return evidence;
}

/** The change's new critical, as every format of both scanners reports it. */
const CURL_CRITICAL = {
  id: 'CVE-2026-20001',
  package: 'libcurl4',
  installed: '7.88.1-10+deb12u7',
  fixedIn: '7.88.1-10+deb12u8',
  fixable: true,
  severity: 'critical',
};

describe('scanner reports, read', () => {
  it('Trivy JSON: every result, each finding once, the vendor’s not-affected left out', () => {
    const trivy = read('trivy-after.json');
    expect(trivy.format).toBe('Trivy JSON');
    expect(ids(trivy)).toEqual([
      'CVE-2026-10003',
      'CVE-2026-10004',
      'CVE-2026-20001',
      'CVE-2026-20002',
      'GHSA-9wx4-h78v-vm56',
    ]);
    const curl = trivy.vulnerabilities.find((entry) => entry.id === 'CVE-2026-20001');
    expect(curl).toEqual(CURL_CRITICAL);
    // affected and will_not_fix are known answers: no fix.
    expect(trivy.vulnerabilities.find((entry) => entry.id === 'CVE-2026-10003')?.fixable).toBe(false);
    expect(trivy.vulnerabilities.find((entry) => entry.id === 'CVE-2026-10004')?.fixable).toBe(false);
    expect(read('trivy-clean.json').vulnerabilities).toEqual([]);
  });

  it('Grype JSON: the same findings as Trivy for the same image; Negligible is low, unknown fix state unknown', () => {
    const grype = read('grype-after.json');
    expect(grype.format).toBe('Grype JSON');
    expect(ids(grype)).toEqual([...ids(read('trivy-after.json')), 'CVE-2026-20004'].sort());
    expect(grype.vulnerabilities.find((entry) => entry.id === 'CVE-2026-20004')).toMatchObject({
      severity: 'low',
      fixable: null,
    });
    expect(grype.vulnerabilities.find((entry) => entry.id === 'CVE-2026-10003')?.fixable).toBe(false);
  });

  it('SARIF from Trivy and from Grype: ids, packages, versions and severities from rules and messages', () => {
    const trivy = read('trivy-after.sarif');
    expect(trivy.format).toBe('SARIF (Trivy)');
    expect(trivy.vulnerabilities.find((entry) => entry.id === 'CVE-2026-20001')).toEqual(CURL_CRITICAL);
    // Trivy always writes the line; empty, it says no fixed version exists (as Status does in JSON).
    expect(trivy.vulnerabilities.find((entry) => entry.id === 'CVE-2026-10003')).toMatchObject({
      fixedIn: null,
      fixable: false,
      severity: 'high',
    });
    const grype = read('grype-after.sarif');
    expect(grype.format).toBe('SARIF (Grype)');
    expect(grype.vulnerabilities.map((entry) => [entry.id, entry.package, entry.installed, entry.severity])).toEqual([
      ['CVE-2026-20001', 'libcurl4', '7.88.1-10+deb12u7', 'critical'],
      ['CVE-2026-20002', 'curl', '7.88.1-10+deb12u7', 'high'],
      ['CVE-2026-10003', 'libc6', '2.36-9+deb12u9', 'high'],
      ['CVE-2026-10004', 'zlib1g', '1:1.2.13.dfsg-1', 'medium'],
    ]);
    // Grype writes the fix in the rule's help: a version, or an empty line when there is none.
    expect(grype.vulnerabilities.map((entry) => [entry.id, entry.fixedIn, entry.fixable])).toEqual([
      ['CVE-2026-20001', '7.88.1-10+deb12u8', true],
      ['CVE-2026-20002', '7.88.1-10+deb12u8', true],
      ['CVE-2026-10003', null, false],
      ['CVE-2026-10004', null, false],
    ]);
    // The gate's numbers equal those of Grype's JSON for the same image.
    const gate = ({ critical, high, fixableCritical, fixableHigh }: ReturnType<typeof countVulnerabilities>) => ({
      critical,
      high,
      fixableCritical,
      fixableHigh,
    });
    expect(gate(countVulnerabilities(grype.vulnerabilities))).toEqual(
      gate(countVulnerabilities(read('grype-after.json').vulnerabilities)),
    );
  });

  it('refuses what is not a report, with the file and what to give instead', async () => {
    const parse = (text: string): unknown => parseVulnerabilityReport(text, 'scan.json');
    expect(() => parse('')).toThrow(/scan\.json is empty \(did the scanner fail before writing it\?\)/);
    expect(() => parse('   \n')).toThrow(UsageError);
    expect(() => parse('{"SchemaVersion": 2, "Results": [')).toThrow(/scan\.json is not JSON/);
    expect(() => parse('{"SchemaVersion": 1, "Results": []}')).toThrow(/Trivy JSON of schema version 1, not 2/);
    expect(() => parse('{"SchemaVersion": 2, "Results": {}}')).toThrow(/Results that is not a list/);
    expect(() => parse('{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"PkgName": "x"}]}]}')).toThrow(
      /a vulnerability without a VulnerabilityID/,
    );
    expect(() => parse('{"matches": [{"artifact": {}}]}')).toThrow(/a match without vulnerability\.id/);
    expect(() => parse('{"bomFormat": "CycloneDX"}')).toThrow(
      /scan\.json is neither a Trivy nor a Grype report; give Trivy JSON \(trivy image --format json\)/,
    );
    expect(() => parse('[]')).toThrow(/neither a Trivy nor a Grype report/);
    await expect(
      readVulnerabilityReport('/nonexistent/scan.json', 'scan.json', 'vulnerability-report'),
    ).rejects.toThrow(/vulnerability-report: cannot read scan\.json \(ENOENT\)/);
  });
});

describe('vulnerability checks', () => {
  it('count fixable critical and high findings against max-critical and max-high', () => {
    const results = judge(withReports('trivy-after.json'));
    expect(result(results, 'HARD-VULNERABILITIES-001')).toMatchObject({
      status: 'fail',
      severity: 'error',
      measured: 1,
      target: 0,
      cis: ['4.4'],
    });
    expect(result(results, 'HARD-VULNERABILITIES-001').message).toBe(
      '1 fixable critical in trivy-after.json (Trivy JSON) (limit 0): CVE-2026-20001 libcurl4 7.88.1-10+deb12u7 → 7.88.1-10+deb12u8',
    );
    // libc6's high has no fix: not counted, and said so.
    expect(result(results, 'HARD-VULNERABILITIES-002')).toMatchObject({
      status: 'fail',
      severity: 'warning',
      measured: 1,
    });
    expect(result(results, 'HARD-VULNERABILITIES-002').message).toMatch(
      /; 1 without a fix not counted \(only-fixable\)$/,
    );
    const all = judge(withReports('trivy-after.json'), { 'only-fixable': 'false', 'max-high': '2' });
    expect(result(all, 'HARD-VULNERABILITIES-002')).toMatchObject({ status: 'pass', measured: 2, target: 2 });
    expect(result(results, 'HARD-VULNERABILITIES-003')).toMatchObject({ status: 'skip' });
    const clean = judge(withReports('trivy-clean.json'));
    expect(result(clean, 'HARD-VULNERABILITIES-001')).toMatchObject({ status: 'pass', measured: 0 });
  });

  it('skip without a report, saying what to give', () => {
    const results = judge(recorded('hardened').evidence);
    for (const id of ['HARD-VULNERABILITIES-001', 'HARD-VULNERABILITIES-002', 'HARD-VULNERABILITIES-003'])
      expect(result(results, id)).toMatchObject({ status: 'skip', message: 'no vulnerability-report given' });
  });

  it('with the baseline’s report: count only what the change adds, and list what it adds and fixes', () => {
    const results = judge(withReports('trivy-after.json', 'trivy-before.json'));
    expect(result(results, 'HARD-VULNERABILITIES-001').message).toBe(
      'this change adds 1 fixable critical (limit 0): CVE-2026-20001 libcurl4 7.88.1-10+deb12u7 → 7.88.1-10+deb12u8',
    );
    const delta = result(results, 'HARD-VULNERABILITIES-003');
    expect(delta.status).toBe('fail');
    const measured = delta.measured as ReturnType<typeof compareVulnerabilities>;
    expect(measured.added.map((entry) => entry.id)).toEqual(['CVE-2026-20001', 'CVE-2026-20002']);
    expect(measured.fixed.map((entry) => entry.id)).toEqual(['CVE-2026-10001', 'CVE-2026-10002']);
    // A finding in the baseline too (libc6, zlib, requests) is not new, whatever its version now.
    expect(delta.message).toMatch(/^adds 2: CVE-2026-20001 libcurl4 .*; fixes 2: CVE-2026-10001 libssl3 /);

    // Grype's reports on the same two images give the same verdicts.
    const grype = judge(withReports('grype-after.json', 'grype-before.json'));
    for (const id of ['HARD-VULNERABILITIES-001', 'HARD-VULNERABILITIES-002', 'HARD-VULNERABILITIES-003'])
      expect([id, result(grype, id).status]).toEqual([id, result(results, id).status]);
    const grypeDelta = result(grype, 'HARD-VULNERABILITIES-003').measured as typeof measured;
    // Grype also lists a negligible one whose fix state it does not know: unknown counts as fixable.
    expect(grypeDelta.added.map((entry) => entry.id)).toEqual(['CVE-2026-20001', 'CVE-2026-20002', 'CVE-2026-20004']);
    expect(grypeDelta.fixed.map((entry) => entry.id)).toEqual(['CVE-2026-10001', 'CVE-2026-10002']);
  });

  it('a change that only fixes passes, and a pre-existing critical does not fail it', () => {
    // Reversed: the "after" is the baseline image; everything the newer one had is "fixed".
    const results = judge(withReports('trivy-before.json', 'trivy-after.json'));
    expect(result(results, 'HARD-VULNERABILITIES-001').message).toMatch(/^this change adds 1 fixable critical/);
    const pair = judge(withReports('trivy-after.json', 'trivy-after.json'));
    expect(result(pair, 'HARD-VULNERABILITIES-001')).toMatchObject({ status: 'pass', measured: 0 });
    expect(result(pair, 'HARD-VULNERABILITIES-001').message).toBe(
      'this change adds no fixable critical vulnerability; 1 already in the baseline (trivy-after.json), not counted',
    );
    expect(result(pair, 'HARD-VULNERABILITIES-003')).toMatchObject({
      status: 'pass',
      message: 'adds no vulnerability; fixes none',
    });
  });

  it('the summary lists the new and the fixed ones, and the security table counts them', () => {
    const recording = recorded('hardened');
    const report = reportOf({ ...recording, evidence: withReports('trivy-after.json', 'trivy-before.json') });
    // As a reader sees it: the character references the summary writes, decoded.
    const summary = renderJobSummary(report).replace(/&#(\d+);/g, (_, code: string) =>
      String.fromCharCode(Number(code)),
    );
    expect(summary).toContain('### Vulnerabilities this change adds and fixes');
    expect(summary).toContain(
      '| CVE-2026-20001 | libcurl4 7.88.1-10+deb12u7 | critical | 7.88.1-10+deb12u8 | ❌ new |',
    );
    expect(summary).toContain('| CVE-2026-10001 | libssl3 3.0.14-1~deb12u1 | critical | 3.0.15-1~deb12u1 | ✅ fixed |');
    expect(summary).toContain(
      '| **Known vulnerabilities** | ❌ 1 critical, 2 high (1 and 1 with a fix) — adds 2, fixes 2 | HIGH |',
    );
    expect(report.targets[0].metrics.vulnerabilities).toEqual({
      critical: 1,
      high: 2,
      medium: 2,
      low: 0,
      unknown: 0,
      fixableCritical: 1,
      fixableHigh: 1,
    });
    // Without a report the row is left out, not shown as unknown.
    expect(renderJobSummary(reportOf(recording))).not.toContain('Known vulnerabilities');
  });
});
