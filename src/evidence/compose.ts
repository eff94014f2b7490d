import { join, resolve } from 'node:path';
import { UsageError } from '../util/errors.js';
import { repoPath } from '../util/repo-path.js';
import { textOf } from '../util/text.js';
import { DISK, loadProject, type FileSource, type LoadedProject } from './compose/load.js';
import { parseDockerfile, stageChain } from './dockerfile.js';
import { locations, plain, type Loc } from './compose/tree.js';

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
  /** Whether the stage the service builds has a HEALTHCHECK of its own (not NONE). */
  builtHealthcheck: boolean;
  init: boolean | null;
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
  const resolved = loadProject({ files, env: options.env, show, source });
  // What the files alone say: the same project with no environment.
  const written = loadProject({ files, env: {}, show, source });
  const writtenByName = new Map(
    written.services.map((service) => [service.name, plain(service.tree) as Record<string, unknown>]),
  );
  const services = resolved.services.map((service): ComposeService => {
    const data = plain(service.tree) as Record<string, unknown>;
    return {
      name: service.name,
      file: service.loc.file,
      line: service.loc.line,
      data,
      written: writtenByName.get(service.name) ?? data,
      sources: locations(service.tree),
      dockerfile: builtDockerfile(data.build, options.workspace),
      builtHealthcheck: buildDeclaresHealthcheck(data.build, source),
      init: typeof data.init === 'boolean' ? data.init : null,
    };
  });
  const networks: Record<string, ComposeNetwork> = {};
  const networksNode = resolved.top.entries.get('networks');
  if (networksNode?.kind === 'map') {
    for (const [name, node] of networksNode.entries)
      networks[name] = { data: plain(node) as Record<string, unknown> | null, loc: node.loc };
  }
  return {
    project: resolved.name,
    files: resolved.files,
    services,
    networks,
    inactive: resolved.inactive,
    missing: resolved.missing,
    unset: resolved.unset,
  };
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
