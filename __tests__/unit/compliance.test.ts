import { ALL_CHECKS } from '../../src/checks/index.js';
import { CIS_RECOMMENDATIONS } from '../../src/cis.js';
import type { CisCoverage } from '../../src/model.js';
import { cisCoverage, cisOfChecks } from '../../src/report/cis-coverage.js';
import { renderJobSummary } from '../../src/report/job-summary.js';
import { renderSarif } from '../../src/report/sarif.js';
import { securityContextYaml } from '../../src/report/security-context.js';
import { copy, judge, recorded, reportOf, result } from '../helpers/evidence.js';
import { analyse } from '../helpers/static.js';

// What an auditor reads (CIS Docker Benchmark coverage) and what a platform team needs (a user
// Kubernetes can verify, the securityContext that matches what was measured).

const decoded = (text: string): string =>
  text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&quot;/g, '"');

function coverageOf(entries: CisCoverage[], id: string): CisCoverage {
  const found = entries.find((entry) => entry.id === id);
  if (!found) throw new Error(`no CIS ${id}`);
  return found;
}

describe('CIS Docker Benchmark v1.6.0', () => {
  it('every recommendation a check names exists, and every one is proven by a check or says why none can', () => {
    const known = new Set(CIS_RECOMMENDATIONS.map((recommendation) => recommendation.id));
    for (const check of ALL_CHECKS)
      for (const id of check.cis ?? []) expect([check.id, known.has(id)]).toEqual([check.id, true]);
    for (const recommendation of CIS_RECOMMENDATIONS) {
      const proven = ALL_CHECKS.some((check) => check.cis?.includes(recommendation.id));
      // Exactly one of the two: a check proves it, or it is outside what an image gate can prove.
      expect([recommendation.id, proven, Boolean(recommendation.outside)]).toEqual([
        recommendation.id,
        proven,
        !proven,
      ]);
    }
    expect(CIS_RECOMMENDATIONS.filter((recommendation) => recommendation.section === 'image')).toHaveLength(12);
    expect(CIS_RECOMMENDATIONS.filter((recommendation) => recommendation.section === 'runtime')).toHaveLength(32);
  });

  it('is met only where a check that proves it passed: the hardened example against the legacy one', () => {
    const hardened = reportOf(recorded('hardened')).cis;
    const legacy = reportOf(recorded('legacy')).cis;
    expect(coverageOf(hardened, '4.1')).toMatchObject({ status: 'met' });
    expect(coverageOf(legacy, '4.1')).toMatchObject({ status: 'not-met', checks: ['HARD-USER-001', 'HARD-USER-003'] });
    expect(coverageOf(hardened, '4.6').status).toBe('met');
    expect(coverageOf(legacy, '4.6')).toMatchObject({ status: 'not-met', checks: ['HARD-HEALTH-004'] });
    expect(coverageOf(legacy, '4.3')).toMatchObject({ status: 'not-met' });
    // No scanner report: not judged, with the reason, never met.
    expect(coverageOf(hardened, '4.4')).toMatchObject({ status: 'not-judged', note: 'no vulnerability-report given' });
    // Outside an image gate: said so.
    expect(coverageOf(hardened, '5.1')).toMatchObject({ status: 'outside' });
    // The hardened run proves the image copes with read-only, no capabilities, no-new-privileges;
    // the example's compose file does not ask for it, so 5.13 is not met for the stack.
    expect(coverageOf(hardened, '5.13')).toMatchObject({ status: 'not-met', checks: ['HARD-COMPOSE-010'] });
  });

  it('a compose finding fails only the recommendation it breaks', () => {
    const compose = [
      'services:',
      '  app:',
      '    image: app:1.0.0',
      '    privileged: true',
      '    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]',
      '    deploy: { resources: { limits: { cpus: "1", memory: 512M } } }',
      '',
    ].join('\n');
    const coverage = cisCoverage(analyse({ compose }), cisOfChecks(ALL_CHECKS));
    expect(coverageOf(coverage, '5.5')).toMatchObject({ status: 'not-met', checks: ['HARD-COMPOSE-007'] });
    expect(coverageOf(coverage, '5.32')).toMatchObject({ status: 'not-met', checks: ['HARD-COMPOSE-007'] });
    expect(coverageOf(coverage, '5.6').status).toBe('met');
    expect(coverageOf(coverage, '5.10').status).toBe('met');
    // Limits set, reservations missing: the production profile's finding, not CIS 5.11's.
    expect(coverageOf(coverage, '5.11').status).toBe('met');
    const hostNet = cisCoverage(
      analyse({ compose: 'services:\n  app:\n    image: app:1.0.0\n    network_mode: host\n' }),
      cisOfChecks(ALL_CHECKS),
    );
    expect(coverageOf(hostNet, '5.10').status).toBe('not-met');
    expect(coverageOf(hostNet, '5.5').status).toBe('met');
  });

  it('shows in the JSON report, the SARIF rules and results, and the summary', () => {
    const report = reportOf(recorded('legacy'));
    expect(report.targets[0].checks.find((check) => check.id === 'HARD-USER-001')?.cis).toEqual(['4.1']);
    const sarif = renderSarif(report, ALL_CHECKS) as {
      runs: {
        tool: { driver: { rules: { id: string; properties: { tags: string[]; cis?: unknown } }[] } };
        results: { ruleId: string; properties?: { cis: string[] } }[];
      }[];
    };
    const rule = sarif.runs[0].tool.driver.rules.find((entry) => entry.id === 'HARD-USER-001')!;
    expect(rule.properties.tags).toContain('CIS-Docker-1.6.0-4.1');
    expect(rule.properties.cis).toEqual({ benchmark: 'CIS Docker Benchmark v1.6.0', recommendations: ['4.1'] });
    expect(sarif.runs[0].results.find((entry) => entry.ruleId === 'HARD-USER-001')?.properties).toEqual({
      cis: ['4.1'],
    });
    const summary = decoded(renderJobSummary(report));
    expect(summary).toMatch(
      /<details open><summary><b>CIS Docker Benchmark v1\.6\.0<\/b>, images \(4\) and runtime \(5\): \d+ met · \d+ not met · \d+ not judged here · 14 outside an image gate<\/summary>/,
    );
    expect(summary).toContain(
      '| 4.1 | A user for the container has been created | ❌ not met | <code>HARD-USER-001</code> <code>HARD-USER-003</code> |',
    );
  });
});

describe('a user Kubernetes can verify (HARD-USER-005)', () => {
  it('a USER given as a name is a notice, with the UID and GID to write instead', () => {
    const named = result(judge(recorded('hardened').evidence), 'HARD-USER-005');
    expect(named).toMatchObject({ status: 'fail', severity: 'notice', measured: 'csops' });
    expect(named.message).toBe(
      "USER 'csops' is a name: a Pod with runAsNonRoot: true refuses to start it (the kubelet cannot verify a name is not root) — write USER 1000:1000 (csops in the image's /etc/passwd)",
    );
    expect(named.location?.file).toBe('examples/hardened/Dockerfile');
    expect(result(judge(recorded('hardened').evidence, { 'numeric-user': 'error' }), 'HARD-USER-005').severity).toBe(
      'error',
    );
    expect(result(judge(recorded('hardened').evidence, { 'numeric-user': 'off' }), 'HARD-USER-005').status).toBe(
      'skip',
    );
  });

  it('a numeric USER passes; root is HARD-USER-001’s finding', () => {
    const evidence = copy(recorded('hardened').evidence);
    if (evidence.image.state !== 'collected') throw new Error('recorded image evidence');
    evidence.image.value.user = '1000:1000';
    expect(result(judge(evidence), 'HARD-USER-005')).toMatchObject({
      status: 'pass',
      message: "USER '1000:1000' is numeric: runAsNonRoot can verify it",
    });
    expect(result(judge(recorded('legacy').evidence), 'HARD-USER-005')).toMatchObject({ status: 'skip' });
  });
});

describe('the securityContext of what was measured', () => {
  it('the running UID/GID, and read-only, no capabilities and no escalation as the hardened run proved', () => {
    const report = reportOf(recorded('hardened'));
    const proposal = report.targets[0].securityContext!;
    expect(proposal).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, hardened: true });
    expect(securityContextYaml(proposal)).toBe(
      [
        'securityContext:',
        '  runAsNonRoot: true',
        '  runAsUser: 1000',
        '  runAsGroup: 1000',
        '  readOnlyRootFilesystem: true',
        '  allowPrivilegeEscalation: false',
        '  capabilities:',
        '    drop: ["ALL"]',
        '# and an emptyDir volume mounted at /tmp, /var/tmp, /app/logs, /app/data, /app/credentials, /app/config',
      ].join('\n'),
    );
    expect(decoded(renderJobSummary(report))).toContain('### Kubernetes securityContext\n');
  });

  it('leaves out what the hardened run did not prove, and says why; none for an image that runs as root', () => {
    const off = reportOf(recorded('hardened'), { 'hardened-run': 'false' });
    // The recorded run did the hardened run; with it off, the check still passes from the record.
    expect(off.targets[0].securityContext?.hardened).toBe(true);
    const evidence = copy(recorded('hardened').evidence);
    if (evidence.runtime.state !== 'collected') throw new Error('recorded runtime evidence');
    evidence.runtime.value.hardened = null;
    const without = reportOf(recorded('hardened'), {}, 'error', evidence).targets[0].securityContext!;
    expect(without).toMatchObject({ hardened: false, notProven: 'the hardened run was off (hardened-run)' });
    expect(securityContextYaml(without)).toContain(
      '# readOnlyRootFilesystem, allowPrivilegeEscalation and capabilities left out: the hardened run was off (hardened-run)',
    );
    expect(securityContextYaml(without)).not.toContain('readOnlyRootFilesystem: true');
    expect(reportOf(recorded('legacy')).targets[0].securityContext).toBeNull();
  });
});
