import { where } from './where.js';
import { stageChain, assignmentsOf } from '../evidence/dockerfile.js';
import { assignments, commandSecrets, isSecretName, placeholderSecret, redacted, secretIn } from '../util/secrets.js';
import { type CheckContext, type Verdict, defineCheck } from './registry.js';
import { standInUrl } from '../util/stand-in-url.js';
import { built, shippedStages, stageLabel } from './dockerfile-helpers.js';

// Credentials baked into the image's config or history, or written in the Dockerfile (ARG, ENV,
// command lines). Messages name the variable and the kind
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

export const checkDockerfileSecrets = defineCheck({
  id: 'HARD-SECRETS-003',
  cis: ['4.10'],
  category: 'secrets',
  severity: 'error',
  title: 'No credentials in ARG or ENV',
  proves:
    'No ENV sets a secret-looking name to a literal value, and no ARG is meant to carry a credential (a secret-looking name, with or without a default). A stand-in is no credential: a placeholder (`changeme`, `dummy…`) or a URL that is plainly one, judged whole (at least two of generic credentials such as `user:pass`, a localhost or example host, a database named dummy, example or test).',
  why: 'ENV values ship in the image; build arguments used by RUN are recorded in its history; both are in the repository.',
  remediation: 'Use `RUN --mount=type=secret,id=…` for build-time secrets and runtime configuration for the rest.',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const envMeasured = context.evidence.image.state === 'collected';
    const ships = new Set(shippedStages(dockerfile).map((stage) => stage.index));
    const found: Verdict[] = [];
    // Every stage, built by this target or not: a literal credential is in the Dockerfile, and so
    // in the repository, whichever target builds its stage.
    for (const stage of dockerfile.stages) {
      for (const instruction of stage.instructions) {
        if (instruction.keyword !== 'ARG' && instruction.keyword !== 'ENV') continue;
        // The image's own ENV is measured by HARD-SECRETS-001; a stage that does not ship is not in it.
        if (instruction.keyword === 'ENV' && envMeasured && ships.has(stage.index)) continue;
        const assigned =
          instruction.keyword === 'ARG'
            ? stage.args.filter((arg) => arg.line === instruction.line)
            : assignmentsOf(instruction.args);
        for (const { name, written } of assigned) {
          const value = written ?? undefined;
          // A stand-in a build step needs (`DATABASE_URL=postgresql://user:pass@localhost/dummy`,
          // `SECRET_KEY=dummy…`) is no credential.
          const standIn = value !== undefined && (placeholderSecret(value) || standInUrl(value));
          const kind = value !== undefined && !standIn ? secretIn(name, value) : null;
          if (kind && instruction.keyword === 'ENV' && !ships.has(stage.index)) {
            found.push({
              status: 'fail',
              severity: 'warning',
              message: `ENV ${name} holds ${kind} ${redacted(value!)} in stage ${stageLabel(stage)}, which does not ship: it is not in the image, but it is in the Dockerfile and the build's cache`,
              measured: name,
              location: context.locate.at(instruction),
            });
          } else if (kind) {
            found.push({
              status: 'fail',
              message: `${instruction.keyword} ${name} holds ${kind} ${redacted(value!)}`,
              measured: name,
              location: context.locate.at(instruction),
            });
          } else if (instruction.keyword === 'ARG' && isSecretName(name) && !value) {
            found.push({
              status: 'fail',
              severity: 'warning',
              message: `ARG ${name} looks meant for a credential: a value given with --build-arg is recorded in the history of any RUN that uses it`,
              measured: name,
              location: context.locate.at(instruction),
            });
          }
        }
      }
    }
    return found.length > 0
      ? found
      : {
          status: 'pass',
          message: envMeasured
            ? "no ARG meant for a credential, and no credential in the ENV of a stage that does not ship (the image's ENV is measured by HARD-SECRETS-001)"
            : 'no credential in ARG or ENV',
        };
  },
});

const COMMAND_KEYWORDS = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK']);

export const checkDockerfileCommandSecrets = defineCheck({
  id: 'HARD-SECRETS-004',
  cis: ['4.10'],
  category: 'secrets',
  severity: 'error',
  title: 'No credentials on the command lines of the Dockerfile',
  proves:
    'No RUN, CMD, ENTRYPOINT or HEALTHCHECK writes a credential: `mysql -pSECRET`, `redis-cli -a SECRET`, `--password=SECRET`, `curl -u user:pass`, `PGPASSWORD=SECRET psql`, a token or a password in a URL (references such as `$DB_PASSWORD` are fine).',
  why: 'A RUN line is recorded in the image history and the build cache; CMD, ENTRYPOINT and HEALTHCHECK ship in the image config for anyone who pulls it; all of them are in the repository.',
  remediation:
    'Read the credential at run time (`$DB_PASSWORD`, a file under /run/secrets) and, for a build step, mount it: `RUN --mount=type=secret,id=npm_token …`.',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const building = new Set(built(dockerfile).map((stage) => stage.index));
    const found: Verdict[] = [];
    for (const stage of dockerfile.stages) {
      for (const instruction of stage.instructions) {
        if (!COMMAND_KEYWORDS.has(instruction.keyword)) continue;
        for (const secret of commandSecrets(instruction.args)) {
          // A stand-in a build step needs (`SECRET_KEY=dummy… manage.py collectstatic`) is no credential.
          if (placeholderSecret(secret.value)) continue;
          const elsewhere = !building.has(stage.index);
          found.push({
            status: 'fail',
            ...(elsewhere ? { severity: 'warning' as const } : {}),
            message: `${instruction.keyword} holds ${secret.kind} ${redacted(secret.value)} (${secret.name})${elsewhere ? ` in stage ${stageLabel(stage)}, which this target does not build: it is in the repository all the same` : ''}`,
            measured: secret.name,
            location: context.locate.at(instruction),
          });
        }
      }
    }
    return found.length > 0
      ? found
      : { status: 'pass', message: 'no credential on a RUN, CMD, ENTRYPOINT or HEALTHCHECK line' };
  },
});
