import { join, resolve } from 'node:path';
import { UsageError } from '../util/errors.js';
import { repoPath } from '../util/repo-path.js';
import { textOf } from '../util/text.js';
import type { EnvEntry } from './compose/env-files.js';
import {
  DISK,
  loadProject,
  type FileSource,
  type LoadedProject,
  type Refusal,
  type VariableUse,
} from './compose/load.js';
import { gitStatusOf, type GitStatus } from './git-status.js';
import { parseDockerfile, stageChain } from './dockerfile.js';
import { locations, plain, type Loc } from './compose/tree.js';
import { serviceBinds, servicePorts, type ComposeBind, type ComposePort } from './compose/syntax.js';

// A compose project as the checks need it, resolved the way `docker compose config` resolves it
// (src/evidence/compose/load.ts): every active service as plain data, what the files alone say
// (values with no environment: the defaults written in them), and where each value is written.

export type { Loc } from './compose/tree.js';

export interface ComposeService {
  name: string;
  /** The file that defines the service (repository-relative) and the line of its key. */
  file: string;
  line: number;
  /** Resolved: files merged, extends and includes applied, variables from the run's environment. */
  data: Record<string, unknown>;
  /**
   * The same with no environment at all: what the files themselves say, defaults included
   * (`${PG_PASS:-changeme123}` is changeme123 here whatever the environment holds).
   */
  written: Record<string, unknown>;
  /** Where each value is written: `healthcheck.test`, `ports.0` → file and line. */
  sources: Record<string, Loc>;
  /** Repository-relative Dockerfile the service builds, when it has `build`. */
  dockerfile: string | null;
  /**
   * Whether the image it runs has a HEALTHCHECK (not NONE) from a Dockerfile of the project: the
   * stage it builds, or the stage another service builds under the `image:` name it runs.
   */
  builtHealthcheck: boolean;
  /** The service whose build makes the image this one runs (`image: x` on both, `build:` on that one), else null. */
  builtBy: string | null;
  /**
   * Its `env_file`s as read, in order, absolute: a committed example where one stands in for a
   * missing file (`compose-env-example`), which the stack's bring-up must be given too.
   */
  envFiles: { path: string; standsFor: string | null }[];
  init: boolean | null;
  /** Its published `ports`, read as compose reads them (none under `network_mode: host`: see data). */
  ports: ComposePort[];
  /** Its bind mounts of absolute host paths (`volumes`). */
  binds: ComposeBind[];
}

export interface ComposeNetwork {
  data: Record<string, unknown> | null;
  loc: Loc;
}

export interface ComposeEvidence {
  /** The project's `name:`, when it sets one. */
  project: string | null;
  /** Every file read (given or found, included, extended), repository-relative, in order. */
  files: { path: string; role: LoadedProject['files'][number]['role'] }[];
  services: ComposeService[];
  /** Top-level networks, with the line each is declared on. */
  networks: Record<string, ComposeNetwork>;
  /** Services of profiles not active (COMPOSE_PROFILES): left out, as compose leaves them out. */
  inactive: { name: string; profiles: string[] }[];
  /** Required variables without a value (`${VAR:?…}`), where they are used. */
  missing: { name: string; message: string; loc: Loc }[];
  /** Variables used without a value or a default (they are empty, as in compose). */
  unset: { name: string; loc: Loc }[];
  /** Every `${VAR}` the files write, and the env file entry that holds its value, if one does. */
  variables: VariableUse[];
  /** Env files read (the project's `.env`, `compose-env-file`s, services' `env_file`s), with what git says of each. */
  envFiles: ComposeEnvFile[];
  /** Why compose itself would refuse the project, in its words; empty when it accepts it. */
  refusals: Refusal[];
  /**
   * The env files compose must be given (`--env-file`, absolute) to read the variables as the
   * check read them: the `compose-env-file`s, or the example standing in for a missing `.env`.
   * Empty when the project's own `.env` (or none) is what was read: compose finds that itself.
   */
  variablesFiles: string[];
}

export interface ComposeEnvFile {
  /** Repository-relative. */
  path: string;
  /** Absolute, for the tools that read it again (compose-up). */
  absolutePath: string;
  role: 'dotenv' | 'env_file';
  /** The missing file this committed example stands in for (`compose-env-example`), else null. */
  standsFor: string | null;
  /** Whether the file is part of the repository: a secret in a file git ignores is not a committed one. */
  git: GitStatus;
  entries: EnvEntry[];
}

/** The files compose itself picks in a directory: the first of these, and its override file beside it. */
export const DEFAULT_COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

export interface ComposeOptions {
  workspace: string;
  contextDir: string;
  /** Given files (workspace-relative), merged in order like `-f a -f b`; empty: what compose finds in the context. */
  given: string[];
  /** The environment the stack would see: the process's and runtime-env (which wins). */
  env: Record<string, string | undefined>;
  /** Where files are read from (the disk unless a test gives text). */
  source?: FileSource;
  /** `compose-env-file`: read instead of the project's `.env` (workspace-relative). */
  envFiles?: string[];
  /** `compose-env-example`: a committed example (`.env.example`…) stands in for a missing env file. */
  exampleEnv?: boolean;
  /** What git says of a file (tests give it; the disk's git otherwise). */
  git?: (path: string) => GitStatus;
}

export function findComposeFiles(
  options: Pick<ComposeOptions, 'workspace' | 'contextDir' | 'given' | 'source'>,
): string[] {
  const source = options.source ?? DISK;
  if (options.given.length > 0) {
    return options.given.map((file) => {
      const path = resolve(options.workspace, file);
      if (!source.exists(path)) throw new UsageError(`compose-files: '${file}' does not exist`);
      return path;
    });
  }
  const main = DEFAULT_COMPOSE_NAMES.map((name) => join(options.contextDir, name)).find((path) => source.exists(path));
  if (!main) return [];
  // compose.yaml → compose.override.yaml: compose reads it over the main file unless told otherwise.
  const override = ['yaml', 'yml']
    .map((extension) => main.replace(/\.ya?ml$/, `.override.${extension}`))
    .find((path) => source.exists(path));
  return override ? [main, override] : [main];
}

/** The project, or null when there is no compose file. */
export function collectComposeEvidence(options: ComposeOptions): ComposeEvidence | null {
  const files = findComposeFiles(options);
  if (files.length === 0) return null;
  const show = (path: string): string => repoPath(options.workspace, path);
  const source = options.source ?? DISK;
  const envFiles = (options.envFiles ?? []).map((file) => {
    const path = resolve(options.workspace, file);
    if (!source.exists(path)) throw new UsageError(`compose-env-file: '${file}' does not exist`);
    return path;
  });
  const exampleEnv = options.exampleEnv ?? false;
  const resolved = loadProject({ files, env: options.env, show, source, envFiles, exampleEnv });
  // What the files alone say: the same project with no environment and no .env — a value that
  // only an env file gives is judged where that file writes it.
  const written = loadProject({ files, env: {}, show, source, dotEnv: false });
  const writtenByName = new Map(
    written.services.map((service) => [service.name, plain(service.tree) as Record<string, unknown>]),
  );
  const services = resolved.services.map((service): ComposeService => {
    const data = plain(service.tree) as Record<string, unknown>;
    return {
      builtBy: null,
      envFiles: service.envFiles.map((record) => ({ path: record.path, standsFor: record.standsFor })),
      name: service.name,
      file: service.loc.file,
      line: service.loc.line,
      data,
      written: writtenByName.get(service.name) ?? data,
      sources: locations(service.tree),
      dockerfile: builtDockerfile(data.build, options.workspace),
      builtHealthcheck: buildDeclaresHealthcheck(data.build, source),
      init: typeof data.init === 'boolean' ? data.init : null,
      ports: servicePorts(data),
      binds: serviceBinds(data),
    };
  });
  const networks: Record<string, ComposeNetwork> = {};
  const networksNode = resolved.top.entries.get('networks');
  if (networksNode?.kind === 'map') {
    for (const [name, node] of networksNode.entries)
      networks[name] = { data: plain(node) as Record<string, unknown> | null, loc: node.loc };
  }
  sharedBuilds(services);
  const git = options.git ?? gitStatusOf;
  return {
    project: resolved.name,
    files: resolved.files,
    services,
    networks,
    inactive: resolved.inactive,
    missing: resolved.missing,
    unset: resolved.unset,
    variables: resolved.variables,
    envFiles: resolved.envFiles.map((record) => ({
      path: record.shown,
      absolutePath: record.path,
      role: record.role,
      standsFor: record.standsFor,
      git: git(record.path),
      entries: record.entries,
    })),
    refusals: resolved.refusals,
    variablesFiles:
      envFiles.length > 0 || resolved.projectEnv.some((record) => record.standsFor !== null)
        ? resolved.projectEnv.map((record) => record.path)
        : [],
  };
}

/**
 * Build once, run twice: a service that names (`image:`) the image another service builds runs
 * that build, and so has its HEALTHCHECK.
 */
function sharedBuilds(services: ComposeService[]): void {
  const builders = new Map<string, ComposeService>();
  for (const service of services)
    if (service.data.build && typeof service.data.image === 'string' && service.data.image)
      builders.set(service.data.image, service);
  for (const service of services) {
    if (service.data.build || typeof service.data.image !== 'string') continue;
    const builder = builders.get(service.data.image);
    if (!builder) continue;
    service.builtBy = builder.name;
    service.builtHealthcheck = builder.builtHealthcheck;
    service.dockerfile = builder.dockerfile;
  }
}

/**
 * What to tell a user whose compose project compose itself refuses: compose's words, once, and
 * how to give it what it lacks. Null when compose accepts it.
 */
export function composeRefusal(evidence: ComposeEvidence, label: (input: string) => string): string | null {
  if (evidence.refusals.length === 0) return null;
  // The same cause written in several places (one env file for three services) is said once.
  const byMessage = new Map<string, Refusal['loc'][]>();
  for (const refusal of evidence.refusals)
    byMessage.set(refusal.message, [...(byMessage.get(refusal.message) ?? []), refusal.loc]);
  const lines = [...byMessage].map(([message, locs]) => {
    const places = [...new Set(locs.filter((loc) => loc !== null).map((loc) => `${loc.file}:${loc.line}`))];
    return `  - ${message}${places.length > 0 ? ` (${places.join(', ')})` : ''}`;
  });
  const hints: string[] = [];
  const kinds = new Set(evidence.refusals.map((refusal) => refusal.kind));
  if (kinds.has('env-file'))
    hints.push(
      `create the missing env file in a step before this one, or set ${label('compose-env-example')} true to read its committed example (.env.example, .env.sample, env.example…) instead`,
    );
  if (kinds.has('variable') || kinds.has('type'))
    hints.push(
      `give the variables in ${label('runtime-env')} (NAME=value lines) or an env file in ${label('compose-env-file')}${kinds.has('env-file') ? '' : `, or set ${label('compose-env-example')} true to read the project's committed .env example`}`,
    );
  if (kinds.has('reference') || kinds.has('service'))
    hints.push(
      `give every compose file the project needs in ${label('compose-files')} (an override file that declares what is missing, say)`,
    );
  return [
    `compose refuses this project (docker compose config fails), so it cannot be judged as it would run:`,
    ...lines,
    `To give it what it needs: ${hints.join('; ')}.`,
  ].join('\n');
}

/** Whether the stage a `build:` builds (its `target`, else the last) declares a HEALTHCHECK that is not NONE. */
function buildDeclaresHealthcheck(build: unknown, source: FileSource): boolean {
  if (!build || typeof build !== 'object') return false;
  const spec = build as Record<string, unknown>;
  const context = textOf(spec.context);
  const path = context ? resolve(context, textOf(spec.dockerfile) || 'Dockerfile') : '';
  if (!path || !source.exists(path)) return false;
  const parsed = parseDockerfile(source.read(path), {
    path,
    ...(textOf(spec.target) ? { target: textOf(spec.target) } : {}),
  });
  if (parsed.finalStage < 0) return false;
  const last = stageChain(parsed)
    .flatMap((stage) => stage.instructions)
    .filter((instruction) => instruction.keyword === 'HEALTHCHECK')
    .pop();
  return last !== undefined && !/^NONE\b/i.test(last.args.trim());
}

/** The Dockerfile a `build:` builds (its context is absolute by now), repository-relative. */
function builtDockerfile(build: unknown, workspace: string): string | null {
  if (!build || typeof build !== 'object') return null;
  const spec = build as Record<string, unknown>;
  if (spec.dockerfile_inline !== undefined) return null;
  const context = textOf(spec.context);
  if (!context || /^(https?:|git@|ssh:)/.test(context)) return null;
  return repoPath(workspace, resolve(context, textOf(spec.dockerfile) || 'Dockerfile'));
}
