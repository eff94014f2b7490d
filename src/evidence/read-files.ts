import { readFile } from 'node:fs/promises';
import type { TargetRequest } from '../request.js';
import { UsageError } from '../util/errors.js';
import { repoPath } from '../util/repo-path.js';
import { attempt, collected, skipped, type Collected } from './collected.js';
import { DEFAULT_COMPOSE_NAMES, type ComposeEvidence } from './compose.js';
import { collectContextEvidence, type ContextEvidence } from './context.js';
import { parseDockerfile, type DockerfileEvidence } from './dockerfile.js';
import type { EvidenceSet } from './types.js';
import { readVulnerabilityReport } from './vulnerabilities.js';

// A target's files, read before anything is built: its Dockerfile, its build context, the compose
// files it owns (read once, by the plan) and the scanner's reports. A file that cannot be what
// BuildKit or the user meant (a syntax error, a stage that does not exist, a bad report) stops the
// run at once.

export async function readDockerfile(request: TargetRequest): Promise<Collected<DockerfileEvidence>> {
  if (!request.dockerfilePath) {
    return skipped(
      request.source.kind === 'stack'
        ? 'a compose stack: no Dockerfile of its own'
        : 'no Dockerfile: checking a built image only',
    );
  }
  const { source } = request;
  const stage = source.kind === 'stack' ? null : source.stage;
  const path = repoPath(request.workspace, request.dockerfilePath);
  const content = await readFile(request.dockerfilePath, 'utf8');
  const parsed = parseDockerfile(content, {
    path,
    buildArgs: source.kind === 'stack' ? {} : source.buildArgs,
    ...(stage ? { target: stage } : {}),
  });
  const syntax = parsed.syntaxErrors[0];
  if (syntax)
    throw new UsageError(
      `${path}:${syntax.line}: ${syntax.message}; fix the Dockerfile (BuildKit would refuse it too)`,
    );
  if (parsed.finalStage < 0) {
    const names =
      parsed.stages
        .map((stage) => stage.name)
        .filter(Boolean)
        .join(', ') || 'none';
    throw new UsageError(`target: no stage named '${stage}' in ${path} (named stages: ${names})`);
  }
  return collected(parsed);
}

export function readCompose(request: TargetRequest): Collected<ComposeEvidence> {
  if (request.compose) return collected(request.compose);
  if (request.services.length > 0) return skipped(`judged with its stack: ${request.services[0].split('#')[0]}`);
  return skipped(`no compose file (looked for ${DEFAULT_COMPOSE_NAMES.join(', ')} in the context)`);
}

export async function readContext(request: TargetRequest): Promise<Collected<ContextEvidence>> {
  if (request.source.kind === 'stack') return skipped('a compose stack: no build context of its own');
  if (!request.dockerfilePath && request.source.kind === 'image')
    return skipped('checking a built image: no build context');
  return attempt(() =>
    collectContextEvidence({
      contextDir: request.contextDir,
      dockerfilePath: request.dockerfilePath,
      show: (path) => repoPath(request.workspace, path),
      uncertain: request.contextUncertain ?? null,
    }),
  );
}

/** The scanner's reports, read before anything is built: a bad file stops the run at once. */
export async function readVulnerabilities(request: TargetRequest): Promise<EvidenceSet['vulnerabilities']> {
  const { current, baseline } = request.vulnerabilityReports;
  if (request.source.kind === 'stack') return skipped('a compose stack: its images are targets of their own');
  if (!current) return skipped('no vulnerability-report given (Trivy or Grype JSON, or SARIF from either)');
  const show = (path: string): string => repoPath(request.workspace, path);
  return collected({
    current: await readVulnerabilityReport(current, show(current), 'vulnerability-report'),
    baseline: baseline
      ? await readVulnerabilityReport(baseline, show(baseline), 'baseline-vulnerability-report')
      : null,
  });
}
