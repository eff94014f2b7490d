import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { collectComposeEvidence, findComposeFiles, type ComposeEvidence } from '../../src/evidence/compose.js';
import { castOf } from '../../src/evidence/compose/consistency.js';
import { exampleNamesFor } from '../../src/evidence/compose/env-files.js';
import { parsePortText } from '../../src/evidence/compose/syntax.js';
import { textOf } from '../../src/util/text.js';
import { corpusDir, describeCorpus } from '../helpers/corpus.js';
import { exec, REPO } from '../helpers/run.js';
import { scratchDir, scratchTree } from '../helpers/scratch.js';

// The oracle: for every compose file of the tests, the examples and the real-world corpus — and
// for cases written here for each rule of the specification (extends, include, override files,
// profiles, .env, interpolation) — the project as this tool resolves it equals what the real
// compose client says (`docker compose config --format json`), field by field, on what the checks
// read. It runs on every engine's compose plugin (2.26 with Engine 20.10, 2.40 with Docker 28).

type Json = Record<string, unknown>;

/** Both sides in one shape: what differs only in spelling (short or long syntax, units) is equal. */
function canonical(services: Record<string, Json>, projectDir: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, service] of Object.entries(services)) {
    const build = service.build as Json | undefined;
    out[name] = {
      image: service.image ?? null,
      build: build
        ? {
            context: resolve(projectDir, textOf(build.context ?? '.')),
            dockerfile: textOf(build.dockerfile ?? 'Dockerfile'),
            target: build.target ?? null,
            args: nameMap(build.args),
          }
        : null,
      healthcheck: health(service.healthcheck as Json | undefined),
      restart: service.restart ?? null,
      resources: resources((service.deploy as Json | undefined)?.resources as Json | undefined),
      logging: service.logging ?? null,
      networks: Object.keys(nameMap(service.networks) ?? { default: null }).sort(),
      volumes: ((service.volumes ?? []) as unknown[]).map((volume) => mount(volume, projectDir)).sort(),
      privileged: service.privileged === true,
      read_only: service.read_only === true,
      cap_add: [...((service.cap_add ?? []) as string[])].sort(),
      cap_drop: [...((service.cap_drop ?? []) as string[])].sort(),
      security_opt: [...((service.security_opt ?? []) as string[])].sort(),
      ports: ((service.ports ?? []) as unknown[]).flatMap(port).sort(),
      environment: nameMap(service.environment) ?? {},
    };
  }
  return out;
}

function nameMap(value: unknown): Record<string, string | null> | null {
  if (value === undefined || value === null) return null;
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item: unknown) => {
        const text = String(item);
        const eq = text.indexOf('=');
        return eq === -1 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)];
      })
    : Object.entries(value as Json);
  return Object.fromEntries(
    entries.map(([key, entry]) => [key, entry === null || entry === undefined ? null : textOf(entry)]),
  );
}

function health(value: Json | undefined): Json | null {
  if (!value) return null;
  const test = typeof value.test === 'string' ? ['CMD-SHELL', value.test] : (value.test ?? null);
  const out: Json = { test, disable: value.disable === true };
  for (const key of ['interval', 'timeout', 'start_period', 'start_interval'])
    out[key] = value[key] === undefined ? null : goDuration(textOf(value[key]));
  out.retries = value.retries === undefined ? null : Number(value.retries);
  return out;
}

/** A duration as Go prints it (compose normalises `90s` to `1m30s`). */
function goDuration(text: string): string {
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/([\d.]+)(h|m(?!s)|s|ms|us|µs|ns)/g)) {
    const factor = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 }[unit as 'h'];
    ms += Number(amount) * factor;
  }
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return hours ? `${hours}h${minutes}m${seconds}s` : minutes ? `${minutes}m${seconds}s` : `${seconds}s`;
}

const UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};
function bytes(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const match = /^([\d.]+)\s*([a-z]*)$/i.exec(textOf(value));
  return match ? Math.round(Number(match[1]) * (UNITS[match[2].toLowerCase()] ?? 1)) : null;
}

function resources(value: Json | undefined): Json | null {
  if (!value) return null;
  const part = (section: Json | undefined): Json | null =>
    section ? { cpus: section.cpus === undefined ? null : Number(section.cpus), memory: bytes(section.memory) } : null;
  return { limits: part(value.limits as Json | undefined), reservations: part(value.reservations as Json | undefined) };
}

function mount(volume: unknown, projectDir: string): string {
  let type: string, source: string, target: string, readOnly: boolean;
  if (typeof volume === 'string') {
    const [first = '', second, mode = ''] = volume.split(':');
    source = second === undefined ? '' : first;
    target = second ?? first;
    readOnly = mode.split(',').includes('ro');
    type = source === '' ? 'volume' : /^[./~]/.test(source) ? 'bind' : 'volume';
  } else {
    const spec = volume as Json;
    type = textOf(spec.type ?? 'volume');
    source = textOf(spec.source ?? '');
    target = textOf(spec.target ?? '');
    readOnly = spec.read_only === true;
  }
  if (type === 'bind' && !isAbsolute(source)) source = resolve(projectDir, source);
  if (target.length > 1) target = target.replace(/\/+$/, '');
  return `${type}|${source}|${target}|${readOnly}`;
}

function port(value: unknown): string[] {
  if (typeof value === 'object' && value !== null) {
    const spec = value as Json;
    return [
      `${textOf(spec.host_ip ?? '')}|${textOf(spec.published ?? '')}|${textOf(spec.target)}|${textOf(spec.protocol ?? 'tcp')}`,
    ];
  }
  const parsed = parsePortText(textOf(value));
  return [`${parsed.host_ip}|${parsed.published}|${parsed.target}|${parsed.protocol}`];
}

/** `$$` is how compose prints a literal `$` it read as `$$`. */
function unescapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\$\$/g, '$');
  if (Array.isArray(value)) return value.map(unescapeDollars);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, unescapeDollars(entry)]));
  return value;
}

/**
 * A value for a variable the files leave to the environment, of the type of the field it fills
 * (compose refuses `read_only: ""`), and a path where a path is expected.
 */
function dummyFor(name: string, evidence: ComposeEvidence): string {
  const cast = evidence.variables
    .filter((use) => use.name === name)
    .map((use) => castOf(use.path.split('.')))
    .find((found) => found !== null);
  // The client finds its compose plugin under HOME: the real one, on both sides.
  if (name === 'HOME') return process.env.HOME!;
  if (cast === 'boolean') return 'false';
  if (cast === 'int' || cast === 'float') return '1';
  if (cast === 'size') return '1g';
  if (cast === 'duration') return '1s';
  return /(PATH|DIR|PWD|HOME|ROOT)$/.test(name)
    ? `/srv/${name.toLowerCase()}`
    : `from-the-environment-${name.toLowerCase()}`;
}

async function composeConfig(
  files: string[],
  variables: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec('docker', ['compose', ...files.flatMap((file) => ['-f', file]), 'config', '--format', 'json'], {
    env: { ...cleanEnvironment(), ...variables },
    cwd: dirname(files[0]),
  });
}

/**
 * Ours and the real client on the same files and environment. Where compose refuses the project,
 * both must refuse it for the same cause; then the project is given what it lacks (its missing
 * env files from their committed examples, in a copy; the override example that declares what it
 * refers to) and compared again.
 */
async function compare(files: string[], env: Record<string, string> = {}, depth = 0): Promise<void> {
  const projectDir = dirname(files[0]);
  const ours = collectComposeEvidence({ workspace: REPO, contextDir: projectDir, given: files, env })!;
  // Variables the file leaves to the environment get a value on both sides.
  const unsetNames = [...ours.missing.map((missing) => missing.name), ...ours.unset.map((unset) => unset.name)];
  const variables = { ...Object.fromEntries(unsetNames.map((name) => [name, dummyFor(name, ours)])), ...env };
  const resolved =
    Object.keys(variables).length > Object.keys(env).length
      ? collectComposeEvidence({ workspace: REPO, contextDir: projectDir, given: files, env: variables })!
      : ours;
  const theirs = await composeConfig(files, variables);
  if (resolved.refusals.length > 0) {
    // Compose stops at the first problem it finds; ours lists every one: compose's is among them.
    expect(theirs.code).not.toBe(0);
    const said = theirs.stderr;
    expect(resolved.refusals.some((refusal) => said.includes(basename(refusal.subject)))).toBe(true);
    expect(depth).toBe(0);
    await compareWithWhatItLacks(files, resolved, env);
    return;
  }
  expect(theirs.stderr.split('\n').filter((line) => /error|invalid/i.test(line))).toEqual([]);
  expect(theirs.code).toBe(0);
  const model = unescapeDollars(JSON.parse(theirs.stdout)) as { services: Record<string, Json> };
  expect(canonical(servicesOf(resolved), projectDir)).toEqual(canonical(model.services, projectDir));
}

async function compareWithWhatItLacks(files: string[], refused: ComposeEvidence, env: Record<string, string>) {
  const kinds = new Set(refused.refusals.map((refusal) => refusal.kind));
  if (kinds.has('env-file')) {
    // A copy of the project (the corpus is read-only) with each missing env file made from its
    // committed example, or empty where there is none.
    const root = projectRoot(files[0]);
    const copy = scratchDir('oracle-copy');
    cpSync(root, copy, { recursive: true });
    chmodTree(copy);
    for (const refusal of refused.refusals.filter((entry) => entry.kind === 'env-file')) {
      const missing = join(copy, relative(root, resolve(REPO, refusal.subject)));
      const example = exampleNamesFor(missing).find((candidate) => existsSync(candidate));
      mkdirSync(dirname(missing), { recursive: true });
      writeFileSync(missing, example ? readFileSync(example) : '');
    }
    await compare(
      files.map((file) => join(copy, relative(root, file))),
      env,
      1,
    );
    return;
  }
  const overrideExample = ['compose.override.yaml.example', 'docker-compose.override.yml.example']
    .map((name) => join(dirname(files[0]), name))
    .find((path) => existsSync(path));
  if (kinds.has('reference') && overrideExample) {
    await compare([...files, overrideExample], env, 1);
    return;
  }
  // What compose refuses for a variable is given by the dummies above; anything else is a file
  // that cannot be made valid here: both sides refusing it is the comparison.
}

/** The corpus project (or fixture directory) a compose file belongs to: what a copy must hold. */
function projectRoot(file: string): string {
  const corpus = corpusDir();
  if (corpus && file.startsWith(join(corpus, 'projects') + '/')) {
    const [name] = relative(join(corpus, 'projects'), file).split('/');
    return join(corpus, 'projects', name);
  }
  return dirname(file);
}

function chmodTree(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) chmodTree(path);
    else chmodSync(path, 0o644);
  }
}

function servicesOf(evidence: ComposeEvidence): Record<string, Json> {
  return Object.fromEntries(evidence.services.map((service) => [service.name, service.data]));
}

/** The machine's environment without what would change compose's answer (profiles, project name). */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('COMPOSE_')) delete env[name];
  return env;
}

function composeFilesUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/^(docker-)?compose\.ya?ml$/.test(name)) found.push(path);
    }
  };
  walk(root);
  return found.sort();
}

describe('compose projects resolved as the real compose client resolves them', () => {
  it('answers, as the plugin of this engine', async () => {
    const version = await exec('docker', ['compose', 'version', '--short']);
    expect(version.code).toBe(0);
  });

  const ownFiles = [
    ...composeFilesUnder(join(REPO, '__tests__/fixtures')),
    ...composeFilesUnder(join(REPO, 'examples')),
  ];
  it.each(ownFiles.map((file) => relative(REPO, file)))('%s', async (file) => {
    await compare(findComposeFiles({ workspace: REPO, contextDir: dirname(join(REPO, file)), given: [] }));
  });
});

describeCorpus('real-world compose files resolved as the real compose client resolves them', () => {
  const corpus = corpusDir()!;
  const corpusFiles = composeFilesUnder(corpus);
  it('are there', () => {
    expect(corpusFiles.length).toBeGreaterThan(20);
  });
  it.each(corpusFiles.map((file) => relative(corpus, file)))('corpus: %s', async (file) => {
    await compare([join(corpus, file)]);
  });
});

describe('each rule of the specification, against the real client', () => {
  const cases: [string, Record<string, string>, Record<string, string>?][] = [
    [
      'extends in the same file',
      {
        'compose.yaml':
          'services:\n  base:\n    image: app:1\n    restart: always\n    cap_add: [NET_ADMIN]\n    environment: { A: "1" }\n  web:\n    extends: base\n    cap_add: [SYS_PTRACE, NET_ADMIN]\n    environment: [B=2]\n',
      },
    ],
    [
      'extends from another file, relative paths rebased',
      {
        'compose.yaml':
          'services:\n  db:\n    extends: { file: common/db.yaml, service: base }\n    ports: ["127.0.0.1:5433:5432"]\n',
        'common/db.yaml':
          'services:\n  base:\n    image: postgres:15\n    privileged: true\n    ports: ["5432:5432"]\n    volumes: ["./data:/var/lib/postgresql/data"]\n    build: { context: ./ctx, args: { A: "1" } }\n',
      },
    ],
    [
      'include',
      {
        'compose.yaml': 'include:\n  - stack/db.yaml\nservices:\n  app:\n    image: app:1\n    depends_on: [db]\n',
        'stack/db.yaml': 'services:\n  db:\n    image: postgres:15\n    volumes: ["./pg:/data"]\n',
        'stack/.env': 'X=1\n',
      },
    ],
    [
      'override file merged by the merge rules',
      {
        'compose.yaml':
          'services:\n  web:\n    image: nginx:1.25\n    ports: ["8080:80", "127.0.0.1:9000:9000"]\n    volumes: ["data:/data", "./src:/src:ro"]\n    environment: [A=1, B=2]\n    cap_add: [NET_ADMIN]\n    security_opt: ["no-new-privileges:true"]\n    networks: [front]\n    logging: { driver: json-file, options: { max-size: 10m } }\n    healthcheck: { test: ["CMD", "true"], interval: 30s }\n    deploy: { resources: { limits: { cpus: "1.0", memory: 1G } } }\nnetworks: { front: {} }\nvolumes: { data: {}, other: {} }\n',
        'compose.override.yaml':
          'services:\n  web:\n    ports: ["8080:80", "8443:443"]\n    volumes: ["other:/data"]\n    environment: { B: "3", C: "4" }\n    cap_add: [SYS_ADMIN, NET_ADMIN]\n    security_opt: ["seccomp:unconfined"]\n    logging: { options: { max-file: "3" } }\n    healthcheck: { test: ["CMD", "false"], timeout: 5s }\n    deploy: { resources: { limits: { memory: 2G }, reservations: { cpus: "0.5" } } }\n    privileged: true\n',
      },
    ],
    [
      '!reset and !override',
      {
        'compose.yaml':
          'services:\n  web:\n    image: a:1\n    ports: ["80:80"]\n    dns: [1.1.1.1]\n    logging: { driver: json-file }\n',
        'compose.override.yaml':
          'services:\n  web:\n    ports: !reset []\n    dns: !override [8.8.8.8]\n    logging: { driver: syslog }\n',
      },
    ],
    [
      'profiles',
      {
        'compose.yaml':
          'services:\n  app:\n    image: app:1\n  debug:\n    image: busybox:1.36\n    profiles: [debug]\n',
      },
    ],
    [
      'profiles activated',
      {
        'compose.yaml':
          'services:\n  app:\n    image: app:1\n  debug:\n    image: busybox:1.36\n    profiles: [debug]\n',
      },
      { COMPOSE_PROFILES: 'debug' },
    ],
    [
      'interpolation, defaults, .env and $$',
      {
        'compose.yaml':
          'services:\n  db:\n    image: ${DB_IMAGE:-postgres:latest}\n    privileged: ${PRIV:-true}\n    read_only: "${RO:-true}"\n    environment:\n      POSTGRES_PASSWORD: ${PG_PASS:-changeme123}\n      LITERAL: "$${HOME}"\n      TAG: ${TAG}\n    healthcheck:\n      test: pg_isready -U ${PG_USER:-postgres}\n      retries: ${RETRIES:-5}\n',
        '.env': 'TAG=from-dotenv\nRETRIES=7\n',
      },
      { RO: 'false' },
    ],
    [
      'env_file: values, quotes, comments, interpolation, order, required: false, environment over it',
      {
        'compose.yaml':
          'services:\n  app:\n    image: app:${TAG}\n    env_file: [app.env, { path: extra.env, required: false }, { path: more.env }]\n    environment: { B: from-compose }\n',
        'app.env':
          '# comment\nA=abc#def\nB=abc #comment\nC: yaml-style\nD=\'single ${HOME}\'\nE="two\nlines"\nF=plain\nG=${F}-g\nH=${NOPE:-dflt}\n  I = spaced  \nJ="q # not a comment" # comment\nexport K=k\nL=\nM=${TAG}\n',
        'more.env': 'F=overridden\nN=$$literal\n',
        '.env': 'TAG=from-dotenv\n',
      },
    ],
    [
      'env_file through extends, relative to the extended file',
      {
        'compose.yaml': 'services:\n  app:\n    extends: { file: base/common.yaml, service: base }\n',
        'base/common.yaml': 'services:\n  base:\n    image: app:1\n    env_file: common.env\n',
        'base/common.env': 'PASSWORD_FILE=/run/secrets/x\nLEVEL=info\n',
      },
    ],
    [
      'build args in list form, from the environment and .env, unset ones left out',
      {
        'compose.yaml':
          'services:\n  app:\n    build:\n      context: .\n      args: [BASE_IMAGE, FROM_ENV, NOT_SET, GIVEN=1]\n  worker:\n    build:\n      context: .\n      args: { BASE_IMAGE: null, NOT_SET: null }\n',
        '.env': 'BASE_IMAGE=python:3.11-slim\n',
        Dockerfile: 'FROM scratch\n',
      },
      { FROM_ENV: 'from-the-environment' },
    ],
    [
      'refused: a missing env_file',
      { 'compose.yaml': 'services:\n  app:\n    image: app:1\n    env_file: .env.local\n' },
    ],
    [
      'refused: a required variable',
      {
        'compose.yaml':
          'services:\n  app:\n    image: app:1\n    environment: { KEY: "${SECRET_KEY:?set SECRET_KEY}" }\n',
      },
    ],
    [
      'refused: a boolean that is not one',
      { 'compose.yaml': 'services:\n  app:\n    image: app:1\n    read_only: ${READ_ONLY:-maybe}\n' },
    ],
    [
      'refused: undefined network, volume, secret',
      {
        'compose.yaml':
          'services:\n  app:\n    image: app:1\n    networks: [back]\n    volumes: ["data:/data"]\n    secrets: [db_password]\n',
      },
    ],
    [
      'refused: a dependency that does not exist',
      { 'compose.yaml': 'services:\n  app:\n    image: app:1\n    depends_on: [db]\n' },
    ],
  ];
  it.each(cases)('%s', async (_, files, env = {}) => {
    const root = scratchTree('oracle', files);
    const main = join(root, 'compose.yaml');
    const given = findComposeFiles({ workspace: root, contextDir: root, given: [] });
    expect(given[0]).toBe(main);
    await compare(given, env);
  });
});
