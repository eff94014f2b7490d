import { stageChain } from '../evidence/dockerfile.js';
import { assignments, redacted, secretIn } from '../util/secrets.js';
import { defineCheck, type CheckContext } from './registry.js';
import { where } from './where.js';

// Credentials baked into the image's config or history. Messages name the variable and the kind
// of secret, never the value.

function declaredAt(context: CheckContext, keyword: 'ENV' | 'ARG', name: string) {
  const dockerfile = context.evidence.dockerfile.state === 'collected' ? context.evidence.dockerfile.value : undefined;
  if (!dockerfile) return undefined;
  for (const stage of [...stageChain(dockerfile)].reverse()) {
    const found = [...stage.instructions]
      .reverse()
      .find(
        (instruction) =>
          instruction.keyword === keyword && new RegExp(`(^|\\s)${name}(=|\\s|$)`).test(instruction.args),
      );
    if (found) return context.locate.at(found);
  }
  return undefined;
}

export const checkNoSecretsInEnv = defineCheck({
  id: 'HARD-SECRETS-001',
  cis: ['4.10'],
  category: 'secrets',
  severity: 'error',
  title: 'No credentials in ENV',
  proves:
    'No environment variable of the image has a secret-looking name (…PASSWORD, …TOKEN, …API_KEY…) with a literal value, or a value shaped like a credential (private key, cloud or VCS token, password in a URL).',
  why: 'ENV values are readable by anyone who can pull or inspect the image, and are inherited by every container.',
  remediation:
    'Pass secrets at run time (environment of the deployment, or a mounted secret file with a *_FILE variable), never in the Dockerfile.',
  needs: ['image'],
  run({ image }, context) {
    const findings = image.env.flatMap((entry) => {
      const eq = entry.indexOf('=');
      const name = entry.slice(0, eq);
      const value = entry.slice(eq + 1);
      const kind = secretIn(name, value);
      return kind ? [{ name, kind, value }] : [];
    });
    if (findings.length === 0)
      return {
        status: 'pass',
        message: `none of ${image.env.length} environment variables holds a credential`,
        measured: [],
      };
    return findings.map((finding) => ({
      status: 'fail' as const,
      message: `ENV ${finding.name} holds ${finding.kind} ${redacted(finding.value)}`,
      measured: finding.name,
      ...where(declaredAt(context, 'ENV', finding.name) ?? context.locate.finalFrom()),
    }));
  },
});

export const checkNoSecretsInHistory = defineCheck({
  id: 'HARD-SECRETS-002',
  cis: ['4.10'],
  category: 'secrets',
  severity: 'error',
  title: 'No credentials in build arguments or history',
  proves:
    "No entry of the image's build history (RUN lines with their build arguments, ENV and LABEL instructions, also ones later overridden) carries a credential.",
  why: 'Build arguments used by RUN are recorded in the history (`|1 NPM_TOKEN=… /bin/sh -c …`): `docker history` shows them to anyone with the image.',
  remediation:
    'Use BuildKit secrets (`RUN --mount=type=secret,id=npm_token …` with `--secret`) instead of ARG for credentials.',
  needs: ['filesystem', 'image'],
  run({ filesystem, image }, context) {
    // What the final ENV still holds is HARD-SECRETS-001's finding; this one is about what only
    // the history shows: build arguments, and values overridden later.
    const inEnv = new Set(image.env);
    const seen = new Map<string, { kind: string; value: string }>();
    for (const entry of filesystem.history) {
      for (const { name, value } of assignments(entry.createdBy)) {
        const kind = secretIn(name, value);
        if (kind && !seen.has(name) && !inEnv.has(`${name}=${value}`)) seen.set(name, { kind, value });
      }
    }
    if (seen.size === 0)
      return { status: 'pass', message: `no credential in ${filesystem.history.length} history entries`, measured: [] };
    return [...seen].map(([name, { kind, value }]) => ({
      status: 'fail' as const,
      message: `${name} with ${kind} ${redacted(value)} is recorded in the image history`,
      measured: name,
      ...where(declaredAt(context, 'ARG', name) ?? declaredAt(context, 'ENV', name) ?? context.locate.finalFrom()),
    }));
  },
});
