import { CIS_BENCHMARK } from '../cis.js';
import type { AnyCheck } from '../checks/registry.js';
import type { Report, Severity, TargetReport } from '../model.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';

// SARIF 2.1.0 for code scanning: one run per target (for several targets each with its own
// `automationDetails.id`, so code scanning keeps their alerts apart instead of keeping the last
// upload's), one rule per check id (help text = remediation), one result per failed check, every
// result with a location (code scanning rejects results without one: a finding about the image as
// a whole is placed on the Dockerfile's first line), and a `results` array even when clean.

const CIS_TAG = 'CIS-Docker-1.6.0';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', notice: 'note' };

export function renderSarif(report: Report, checks: readonly AnyCheck[]): object {
  const several = report.targets.length > 1;
  const rules = checks.map((check) => ({
    id: check.id,
    name: check.title.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ? next.toUpperCase() : '')),
    shortDescription: { text: check.title },
    fullDescription: { text: `${check.proves} ${check.why}` },
    help: { text: check.remediation, markdown: `**How to fix:** ${check.remediation}` },
    helpUri: `https://github.com/org/cs-docker-hardening/blob/main/docs/checks.md#${check.id.toLowerCase()}`,
    defaultConfiguration: { level: LEVEL[check.severity] },
    // CIS ids as tags (`CIS-Docker-1.6.0-4.1`): code scanning filters alerts by tag.
    properties: {
      category: check.category,
      tags: ['container', 'security', check.category, ...(check.cis ?? []).map((id) => `${CIS_TAG}-${id}`)],
      ...(check.cis ? { cis: { benchmark: CIS_BENCHMARK, recommendations: [...check.cis] } } : {}),
    },
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: report.targets.map((target) => sarifRun(target, rules, several)),
  };
}

function sarifRun(target: TargetReport, rules: { id: string }[], several: boolean): object {
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const fallbackFile = target.target.dockerfile ?? firstLocatedFile(target) ?? target.target.context ?? 'Dockerfile';
  const results = target.checks
    .filter((result) => result.status === 'fail')
    .map((result) => ({
      ruleId: result.id,
      ruleIndex: ruleIndex.get(result.id) ?? 0,
      level: LEVEL[result.severity],
      message: { text: result.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: result.location?.file ?? fallbackFile },
            region: {
              startLine: result.location?.line ?? 1,
              ...(result.location?.endLine ? { endLine: result.location.endLine } : {}),
            },
          },
        },
      ],
      ...(result.cis ? { properties: { cis: result.cis } } : {}),
      // Same finding, same fingerprint across runs: code scanning tracks it instead of reopening it.
      partialFingerprints: {
        'csDockerHardening/v1': `${result.id}:${result.location?.file ?? fallbackFile}:${result.location?.line ?? 1}`,
      },
    }));
  return {
    tool: {
      driver: {
        name: TOOL_NAME,
        version: TOOL_VERSION,
        informationUri: 'https://github.com/org/cs-docker-hardening',
        rules,
      },
    },
    // One category per target, `cs-docker-hardening/<target>/` (per target and platform,
    // `cs-docker-hardening/<target>/linux/arm64/`): runs of the same category are compared across
    // commits, and one target's upload never closes another's alerts.
    ...(several ? { automationDetails: { id: `cs-docker-hardening/${category(target)}/` } } : {}),
    properties: {
      target: target.name,
      kind: target.kind,
      ...(target.target.platform ? { platform: target.target.platform } : {}),
    },
    results,
  };
}

/** A file the target's findings point at (a compose stack has no Dockerfile). */
function firstLocatedFile(target: TargetReport): string | null {
  return target.checks.find((check) => check.location)?.location?.file ?? null;
}

/** The platform asked for, as the run named the target (`<target> (<platform>)`): stable across runs. */
function category(target: TargetReport): string {
  const asked = target.platformOf ? target.name.slice(target.platformOf.length + 2, -1) : '';
  return asked ? `${target.platformOf}/${asked}` : target.name;
}
