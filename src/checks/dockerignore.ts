import { isSecretFile } from '../util/secrets.js';
import { copySources, matchSource } from '../evidence/app-file.js';
import type { ContextEvidence, ContextFile } from '../evidence/context.js';
import { formatBytes } from '../util/format.js';
import { defineCheck, type CheckContext, type Verdict } from './registry.js';
import { where } from './where.js';

// The build context as BuildKit will send it, computed with Docker's own matching rules: what the
// production profile says to keep out, what it weighs, and whether a secret would leave the machine.

/** What the production profile's .dockerignore excludes, by kind, as tests on context-relative paths. */
export const PROFILE_EXCLUDES: { kind: string; pattern: RegExp }[] = [
  { kind: 'version control (.git/)', pattern: /(^|\/)\.(git|hg|svn)(\/|$)/ },
  // .env and other credentials: HARD-DOCKERIGNORE-004, an error, reports them.
  {
    kind: 'tests',
    pattern: /(^|\/)(tests?|__tests__|spec)\/|(^|\/)([^/]*_test\.py|test_[^/]*\.py|[^/]*\.(test|spec)\.[cm]?[jt]sx?)$/,
  },
  { kind: 'documentation (docs/, *.md but README.md)', pattern: /(^|\/)docs?\/|(^|\/)(?!README\.md$)[^/]*\.md$/ },
  { kind: 'Python caches (__pycache__/, *.pyc)', pattern: /(^|\/)__pycache__\/|\.py[co]$/ },
  { kind: 'node_modules/', pattern: /(^|\/)node_modules\// },
  { kind: 'runtime directories (logs/, data/, credentials/)', pattern: /^(logs|data|credentials)\// },
  { kind: 'build artefacts (dist/, *.egg-info/)', pattern: /^(dist|build)\/|\.egg-info\// },
  { kind: 'editor settings (.vscode/, .idea/)', pattern: /(^|\/)\.(vscode|idea)\// },
];

/**
 * A finding about a context that is only a guess (a Dockerfile `discover` found, whose sources
 * are under none of its directories) is said as one: a notice naming the directory assumed.
 */
function hedged(context: ContextEvidence, verdict: Verdict): Verdict {
  if (verdict.status !== 'fail' || !context.uncertain) return verdict;
  return {
    ...verdict,
    severity: 'notice',
    message: `taking ${context.dir ?? 'its own directory'} as the build context, which is a guess (${context.uncertain}): ${verdict.message}`,
  };
}

/** Context files a COPY or ADD of the Dockerfile names (not `.`: a copy of everything names nothing). */
function namedCopies(checkContext: CheckContext, context: ContextEvidence): string[] {
  const dockerfile = checkContext.evidence.dockerfile;
  if (dockerfile.state !== 'collected') return [];
  return dockerfile.value.stages
    .flatMap((stage) => stage.instructions)
    .filter(
      (instruction) => (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && !instruction.flags.from,
    )
    .flatMap(copySources)
    .filter((source) => !/^\.?\/?$/.test(source.replace(/^\.\//, '')))
    .flatMap((source) => matchSource(source, context.files).map((file) => file.path));
}

/** The Dockerfile and ignore file of the build, as context-relative paths. */
function buildFiles(checkContext: CheckContext, context: ContextEvidence): string[] {
  const dockerfile = checkContext.evidence.dockerfile;
  const shown = [dockerfile.state === 'collected' ? dockerfile.value.path : null, context.ignoreFile];
  const dir = context.dir ? `${context.dir.replace(/\/+$/, '')}/` : '';
  return shown
    .filter((path): path is string => path !== null)
    .map((path) => (dir && path.startsWith(dir) ? path.slice(dir.length) : path));
}

function dockerfileLocation(context: CheckContext) {
  const dockerfile =
    context.evidence.dockerfile.state === 'collected' ? context.evidence.dockerfile.value.path : undefined;
  return dockerfile ? { file: dockerfile, line: 1 } : undefined;
}

export const checkDockerignoreExists = defineCheck({
  id: 'HARD-DOCKERIGNORE-001',
  category: 'dockerignore',
  severity: 'warning',
  title: 'A .dockerignore exists',
  proves:
    'The build has an ignore file: `<Dockerfile>.dockerignore` beside the Dockerfile, or `.dockerignore` in the context.',
  why: 'Without one, everything in the directory is sent to the builder and can end up in the image: .git, .env, tests, caches.',
  remediation: 'Add a .dockerignore that excludes .git, .env*, tests, docs, caches, node_modules and build output.',
  needs: ['context'],
  run({ context }, checkContext) {
    if (context.ignoreFile)
      return {
        status: 'pass',
        message: `${context.ignoreFile} has ${context.patterns.length} patterns`,
        measured: context.patterns.length,
      };
    return hedged(context, {
      status: 'fail',
      message: 'no .dockerignore: the whole directory is the build context',
      ...where(dockerfileLocation(checkContext)),
    });
  },
});

function describeSent(files: ContextFile[]): string {
  return `${files.length} file(s), ${formatBytes(files.reduce((sum, file) => sum + file.size, 0))} (${files
    .slice(0, 3)
    .map((file) => file.path)
    .join(', ')}${files.length > 3 ? ', …' : ''})`;
}

export const checkDockerignoreExcludes = defineCheck({
  id: 'HARD-DOCKERIGNORE-002',
  category: 'dockerignore',
  severity: 'warning',
  title: 'The context leaves out what it should',
  proves:
    'No file of the kinds the production profile excludes (VCS, tests, docs but README, Python caches, node_modules, logs/data/credentials, build artefacts, editor settings) is in the build context as Docker computes it.',
  why: 'What is sent can be copied into the image by a broad COPY, slows every build, and busts the cache when it changes.',
  remediation:
    'Add the missing patterns to .dockerignore (e.g. `.git/`, `tests/`, `__pycache__/`, `*.pyc`, `docs/`, `*.md`, `!README.md`).',
  needs: ['context'],
  run({ context }, checkContext) {
    // Not what a .dockerignore could or should keep out: the build's own Dockerfile and ignore
    // file (always sent), and what the Dockerfile copies by name (`COPY ./test /test` in a test
    // runner's image is meant).
    const intended = new Set([...namedCopies(checkContext, context), ...buildFiles(checkContext, context)]);
    const sent = PROFILE_EXCLUDES.map(({ kind, pattern }) => ({
      kind,
      files: context.files.filter((file) => pattern.test(file.path) && !intended.has(file.path)),
    })).filter((entry) => entry.files.length > 0);
    const location = where(
      context.ignoreFile ? { file: context.ignoreFile, line: 1 } : dockerfileLocation(checkContext),
    );
    if (sent.length === 0)
      return {
        status: 'pass',
        message: `none of the production profile's exclusions is sent (${context.excludedFiles} file(s) kept out)`,
        measured: [],
      };
    return hedged(context, {
      status: 'fail',
      message: `sent to the builder: ${sent.map((entry) => `${entry.kind}: ${describeSent(entry.files)}`).join('; ')}`,
      measured: sent.map((entry) => entry.kind),
      ...location,
    });
  },
});

export const checkContextSize = defineCheck({
  id: 'HARD-DOCKERIGNORE-003',
  category: 'dockerignore',
  severity: 'warning',
  title: 'Build context size',
  proves: 'The build context, as Docker computes it after .dockerignore, is no larger than max-context-mb.',
  why: 'Every build uploads the context to the builder first: a large one slows every build and usually carries things the image should not.',
  threshold: 'max-context-mb: 100',
  remediation:
    'Exclude what the image does not need in .dockerignore (data sets, build output, dependencies installed on the host).',
  needs: ['context'],
  run({ context }, { settings }) {
    const limit = settings.maxContextMb * 1e6;
    return hedged(context, {
      status: context.totalBytes <= limit ? 'pass' : 'fail',
      message: `${context.files.length} file(s), ${formatBytes(context.totalBytes)} sent (${context.excludedFiles} kept out; limit ${settings.maxContextMb} MB)`,
      measured: { files: context.files.length, bytes: context.totalBytes },
      target: limit,
    });
  },
});

/** Files of the context that carry credentials: by name, or by content for keys and token files. */
export function secretsInContext(context: ContextEvidence): string[] {
  return context.files.map((file) => file.path).filter((path) => isSecretFile(path, context.keyFiles[path] ?? ''));
}

export const checkNoSecretsSent = defineCheck({
  id: 'HARD-DOCKERIGNORE-004',
  category: 'dockerignore',
  severity: 'error',
  title: 'No secrets in the build context',
  proves:
    'No file that looks like a credential (.env, private keys, token files, credentials/, .ssh/, .aws/) would be sent to the builder.',
  why: 'A secret in the context is one careless COPY away from shipping in the image, and it leaves the machine with every build.',
  remediation:
    'Exclude them in .dockerignore (`.env`, `.env.*`, `credentials/`, `*.pem`, `*.key`), and pass secrets at build time with `--secret`.',
  needs: ['context'],
  run({ context }, checkContext) {
    const found = secretsInContext(context);
    if (found.length === 0)
      return { status: 'pass', message: `no credential among the ${context.files.length} file(s) sent`, measured: [] };
    return hedged(context, {
      status: 'fail',
      message: `would be sent to the builder: ${found.slice(0, 10).join(', ')}${found.length > 10 ? ` and ${found.length - 10} more` : ''}`,
      measured: found,
      ...where(context.ignoreFile ? { file: context.ignoreFile, line: 1 } : dockerfileLocation(checkContext)),
    });
  },
});
