import { valueOf } from '../evidence/collected.js';
import type { EvidenceSet } from '../evidence/types.js';
import type { CheckResult, Metrics, SecurityContextProposal } from '../model.js';

// The securityContext a Pod should run the image with, from what was measured: the UID/GID of the
// running service (numeric, so runAsNonRoot can be verified whatever USER says), and read-only
// root, no capabilities and no privilege escalation only when the hardened run proved the image
// still becomes ready that way. Nothing here is suggested that was not seen to work.

export function proposeSecurityContext(
  evidence: EvidenceSet,
  results: readonly CheckResult[],
  metrics: Metrics,
): SecurityContextProposal | null {
  const runtime = valueOf(evidence.runtime);
  if (!runtime || metrics.runUid === null || metrics.runGid === null || metrics.runUid === 0) return null;
  const hardenedRun = results.find((result) => result.id === 'HARD-FILESYSTEM-004');
  const hardened = hardenedRun?.status === 'pass';
  const notProven = hardened
    ? null
    : !runtime.hardened
      ? 'the hardened run was off (hardened-run)'
      : `the hardened run did not prove it (HARD-FILESYSTEM-004: ${hardenedRun?.message ?? 'not judged'})`;
  return {
    runAsUser: metrics.runUid,
    runAsGroup: metrics.runGid,
    hardened,
    notProven,
    writablePaths: hardened && runtime.hardened ? [...runtime.hardened.tmpfs] : [],
  };
}

/** The proposal as the YAML a Pod spec takes, with the volumes it needs as a comment. */
export function securityContextYaml(proposal: SecurityContextProposal): string {
  const lines = [
    'securityContext:',
    '  runAsNonRoot: true',
    `  runAsUser: ${proposal.runAsUser}`,
    `  runAsGroup: ${proposal.runAsGroup}`,
  ];
  if (proposal.hardened) {
    lines.push(
      '  readOnlyRootFilesystem: true',
      '  allowPrivilegeEscalation: false',
      '  capabilities:',
      '    drop: ["ALL"]',
    );
    if (proposal.writablePaths.length > 0)
      lines.push(`# and an emptyDir volume mounted at ${proposal.writablePaths.join(', ')}`);
  } else if (proposal.notProven) {
    lines.push(`# readOnlyRootFilesystem, allowPrivilegeEscalation and capabilities left out: ${proposal.notProven}`);
  }
  return lines.join('\n');
}
