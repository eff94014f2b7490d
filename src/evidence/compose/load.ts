import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { UsageError } from '../../util/errors.js';
import { castValue, checkConsistency, type Refusal } from './consistency.js';
import { exampleNamesFor, parseEnvFile, type EnvEntry } from './env-files.js';
import { interpolate, type Lookup } from './interpolate.js';
import { asNameMap, mergeAny, mergeService } from './merge-files.js';
import {
  ExpansionError,
  get,
  mapNode,
  mapStrings,
  scalarNode,
  treeOf,
  type Loc,
  type MapNode,
  type Tree,
} from './tree.js';

// A compose project as `docker compose config` resolves it, before anything is judged: the files
// given (`-f a -f b`: later ones override), each file's `include`s (projects of their own, with
// their own directory and .env) and `extends` (same file or another), variables from the
// environment and the project's .env (`${VAR}`, `${VAR:-default}`, `${VAR:?error}`, `$$`),
// values cast to their type after interpolation (`privileged: ${PRIV:-true}` is true), and the
// services of profiles that are not active left out. Every value keeps the file and line it is
// written on.

export interface ServiceDraft {
  name: string;
  tree: MapNode;
  /** The file and line of the service's own key. */
  loc: Loc;
  /** Its `env_file`s as read, in order (an example in place of a missing one, when asked). */
  envFiles: EnvFileRecord[];
}

export interface LoadedProject {
  name: string | null;
  /** Every file read, in order, with why. */
  files: { path: string; role: 'file' | 'include' | 'extends' }[];
  services: ServiceDraft[];
  /** Top-level sections other than services (networks, volumes…), merged. */
  top: MapNode;
  /** Services of profiles that are not active (COMPOSE_PROFILES): compose leaves them out too. */
  inactive: { name: string; profiles: string[] }[];
  /** Required variables (`${VAR:?…}`) without a value: compose would refuse to bring it up. */
  missing: { name: string; message: string; loc: Loc }[];
  /** Variables used without a value or a default: they became empty strings, as in compose. */
  unset: { name: string; loc: Loc }[];
  /** Every variable a value refers to, and the env file that holds it (null: the environment or nowhere). */
  variables: VariableUse[];
  /** Env files read: the project's `.env` (or `--env-file`s) and every service's `env_file`. */
  envFiles: EnvFileRecord[];
  /** The project's own variables' files (not an include's): its `.env`, the given ones, or an example. */
  projectEnv: EnvFileRecord[];
  /** Why compose itself would refuse the project (`docker compose config` fails), in its words. */
  refusals: Refusal[];
}

export interface VariableUse {
  name: string;
  /** Where the `${NAME}` is written, and the field it is in (`services.db.environment.PASSWORD`). */
  loc: Loc;
  path: string;
  /** The env file entry that holds the variable, whether or not the environment overrides it. */
  from: { file: string; line: number } | null;
  /** Whether the run's environment gives it (over any env file). */
  fromEnvironment: boolean;
}

export interface EnvFileRecord {
  /** Absolute path, and as reports show it. */
  path: string;
  shown: string;
  /** `dotenv`: variables for interpolation; `env_file`: a service's container environment. */
  role: 'dotenv' | 'env_file';
  /** The missing file this committed example stands in for (`compose-env-example`), else null. */
  standsFor: string | null;
  entries: EnvEntry[];
}

export type { Refusal } from './consistency.js';

/** Where files are read from: the disk, or (tests, benchmarks) a map of paths to text. */
export interface FileSource {
  read(path: string): string;
  exists(path: string): boolean;
}

export const DISK: FileSource = { read: (path) => readFileSync(path, 'utf8'), exists: (path) => existsSync(path) };

export interface LoadOptions {
  /** Absolute compose files, in `-f` order. */
  files: string[];
  source?: FileSource;
  /** The environment compose would see (process environment and runtime-env); overrides .env. */
  env: Record<string, string | undefined>;
  /** How reports show a path. */
  show: (path: string) => string;
  /** `docker compose --env-file`: read instead of the project's `.env` (absolute paths, later ones win). */
  envFiles?: string[];
  /** Read a committed example (`.env.example`…) where an env file is missing (`compose-env-example`). */
  exampleEnv?: boolean;
  /**
   * Whether env files are read for interpolation (default true). Off for what the files alone
   * say: a value that only `.env` gives is judged where `.env` writes it, not on the `${VAR}` line.
   */
  dotEnv?: boolean;
}

export function loadProject(options: LoadOptions): LoadedProject {
  const projectDir = dirname(options.files[0]);
  const source = options.source ?? DISK;
  const context = new LoadContext(options, source, projectDir);
  let merged: MapNode | null = null;
  for (const file of options.files) {
    const model = context.loadFile(file, projectDir, 'file');
    merged = merged ? mergeProjects(merged, model) : model;
  }
  return context.finish(merged!);
}

/** What a file's variables are looked up in: the environment, then its project's env files. */
interface Scope {
  dotEnv: EnvFileRecord[];
}

class LoadContext {
  readonly files: LoadedProject['files'] = [];
  readonly missing: LoadedProject['missing'] = [];
  readonly unset: LoadedProject['unset'] = [];
  readonly variables: VariableUse[] = [];
  readonly envFiles: EnvFileRecord[] = [];
  readonly refusals: Refusal[] = [];
  readonly scope: Scope;

  constructor(
    readonly options: LoadOptions,
    private readonly source: FileSource,
    readonly projectDir: string,
  ) {
    const given = options.envFiles ?? [];
    this.scope = {
      dotEnv:
        given.length > 0 ? given.map((path) => this.readEnv(path, 'dotenv', null, true)) : this.projectEnv(projectDir),
    };
  }

  /** The environment's value, then the last env file that sets it. */
  valueIn(scope: Scope, name: string): string | undefined {
    if (this.options.env[name] !== undefined) return this.options.env[name];
    for (const record of [...scope.dotEnv].reverse()) {
      const entry = record.entries.find((candidate) => candidate.name === name);
      if (entry) return entry.value;
    }
    return undefined;
  }

  lookup: Lookup = (name) => this.valueIn(this.scope, name);

  /** A project directory's `.env` (or, asked for and missing, its committed example). */
  projectEnv(dir: string): EnvFileRecord[] {
    if (this.options.dotEnv === false) return [];
    // `join` of an absolute directory, not `resolve`: the bundler reads `resolve(x, '.env')` as a
    // file relative to the build machine's working directory, ships it in dist/ and rewrites the
    // path to point there (scripts/bundle.mjs now refuses any such asset).
    const path = join(dir, '.env');
    if (this.source.exists(path)) return [this.readEnv(path, 'dotenv', null, false)];
    const example = this.options.exampleEnv ? this.exampleFor(path) : null;
    return example ? [this.readEnv(example, 'dotenv', null, false, path)] : [];
  }

  exampleFor(path: string): string | null {
    return exampleNamesFor(path).find((candidate) => this.source.exists(candidate)) ?? null;
  }

  /**
   * One env file, parsed with the environment (and, for a service's, the project's variables).
   * A missing required one is a refusal, in compose's words, at `at` (where it is named).
   */
  readEnv(
    path: string,
    role: EnvFileRecord['role'],
    at: Loc | null,
    required: boolean,
    standsFor: string | null = null,
    lookup: Lookup = (name) => this.options.env[name],
  ): EnvFileRecord {
    const shown = this.options.show(path);
    const record: EnvFileRecord = {
      path,
      shown,
      role,
      standsFor: standsFor === null ? null : this.options.show(standsFor),
      entries: [],
    };
    if (!this.source.exists(path)) {
      if (required)
        this.refusals.push({ message: `env file ${shown} not found`, loc: at, kind: 'env-file', subject: shown });
      return record;
    }
    const parsed = parseEnvFile(this.source.read(path), lookup);
    for (const missing of parsed.missing)
      this.refusals.push({
        message: `failed to read ${shown}: required variable ${missing.name} is missing a value: ${missing.message}`,
        loc: { file: shown, line: missing.line },
        kind: 'variable',
        subject: missing.name,
      });
    if (parsed.problem)
      this.refusals.push({
        message: `failed to read ${shown}: ${parsed.problem.message}`,
        loc: { file: shown, line: parsed.problem.line },
        kind: 'syntax',
        subject: shown,
      });
    record.entries = parsed.entries;
    this.envFiles.push(record);
    return record;
  }

  /** Interpolates a file's values in a scope, noting where each variable comes from. */
  interpolate(tree: Tree, scope: Scope): Tree {
    return mapStrings(tree, (value, path, loc) => {
      const result = interpolate(value, (name) => {
        const from = this.entryIn(scope, name);
        this.variables.push({
          name,
          loc,
          path: path.join('.'),
          from,
          fromEnvironment: this.options.env[name] !== undefined,
        });
        return this.valueIn(scope, name);
      });
      for (const problem of result.missing) {
        this.missing.push({ ...problem, loc });
        this.refusals.push({
          message: `error while interpolating ${path.join('.')}: required variable ${problem.name} is missing a value: ${problem.message}`,
          loc,
          kind: 'variable',
          subject: problem.name,
        });
      }
      for (const name of result.unset) this.unset.push({ name, loc });
      if (value === result.value) return castValue(value, path, false).value;
      const cast = castValue(result.value, path, true);
      if (cast.error)
        this.refusals.push({
          message: `error while interpolating ${path.join('.')}: failed to cast to expected type: ${cast.error}`,
          loc,
          kind: 'type',
          subject: path.join('.'),
        });
      return cast.value;
    });
  }

  private entryIn(scope: Scope, name: string): VariableUse['from'] {
    for (const record of [...scope.dotEnv].reverse()) {
      const entry = record.entries.find((candidate) => candidate.name === name);
      if (entry) return { file: record.shown, line: entry.line };
    }
    return null;
  }

  /** `~` in a bind mount is the user's home, as compose expands it. */
  get home(): string {
    return this.options.env.HOME ?? homedir();
  }

  /** One file, interpolated, its includes and extends resolved; relative paths made absolute against `baseDir`. */
  loadFile(
    path: string,
    baseDir: string,
    role: LoadedProject['files'][number]['role'],
    scope = this.scope,
    stack: string[] = [],
  ): MapNode {
    const shown = this.options.show(path);
    this.files.push({ path: shown, role });
    const raw = readTree(this.source, path, shown);
    const tree = this.interpolate(raw, scope);
    if (tree.kind !== 'map')
      throw new UsageError(`${shown}: not a valid compose file (expected a mapping with a services key)`);
    const services = get(tree, 'services');
    if (services !== undefined && services.kind !== 'map' && !(services.kind === 'scalar' && services.value === null)) {
      throw new UsageError(`${shown}:${services.loc.line}: services must be a mapping of service names to definitions`);
    }
    const model = mapNode(
      tree.loc,
      [...tree.entries].filter(([key]) => key !== 'include' && key !== 'services'),
    );
    const resolved = mapNode(services?.loc ?? tree.loc);
    for (const [name, definition] of services?.kind === 'map' ? services.entries : []) {
      if (definition.kind !== 'map')
        throw new UsageError(`${shown}:${definition.loc.line}: service '${name}' must be a mapping`);
      resolved.entries.set(
        name,
        expandHome(
          rebase(
            this.extend(name, definition, tree, path, scope, [...stack, `${path}#${name}`]),
            baseDir,
            this.projectDir,
          ),
          this.home,
        ),
      );
    }
    for (const included of this.includes(tree, path, shown)) {
      for (const [name, definition] of (get(included, 'services') as MapNode | undefined)?.entries ?? []) {
        if (resolved.entries.has(name))
          throw new UsageError(
            `${shown}: service '${name}' is defined here and in an included file; compose refuses that`,
          );
        resolved.entries.set(name, definition);
      }
      for (const [key, value] of included.entries)
        if (key !== 'services' && !model.entries.has(key)) model.entries.set(key, value);
    }
    model.entries.set('services', resolved);
    return model;
  }

  /** `include:` entries: each a project of its own (its directory, its .env), its services added. */
  private includes(tree: MapNode, path: string, shown: string): MapNode[] {
    const node = get(tree, 'include');
    if (!node) return [];
    if (node.kind !== 'seq') throw new UsageError(`${shown}:${node.loc.line}: include must be a list of files`);
    const loaded: MapNode[] = [];
    for (const item of node.items) {
      const paths =
        item.kind === 'scalar'
          ? [item]
          : (get(item, 'path')?.kind === 'seq'
              ? (get(item, 'path') as { items: Tree[] }).items
              : [get(item, 'path')]
            ).filter((entry): entry is Tree => entry !== undefined);
      const directory = scalarText(get(item, 'project_directory'));
      const envFile = scalarText(get(item, 'env_file'));
      for (const entry of paths) {
        const relativePath = scalarText(entry);
        if (!relativePath) throw new UsageError(`${shown}:${entry.loc.line}: include needs a path`);
        const file = resolve(dirname(path), relativePath);
        if (!this.source.exists(file))
          throw new UsageError(
            `${shown}:${entry.loc.line}: include: ${relativePath} does not exist (looked for ${this.options.show(file)})`,
          );
        const includeDir = directory ? resolve(dirname(path), directory) : dirname(file);
        const dotEnv = envFile
          ? [this.readEnv(resolve(dirname(path), envFile), 'dotenv', entry.loc, true)]
          : this.projectEnv(includeDir);
        loaded.push(this.loadFile(file, includeDir, 'include', { dotEnv }));
      }
    }
    return loaded;
  }

  /** `extends`: the base service (this file or another, itself extended first) with this one over it. */
  private extend(
    name: string,
    definition: MapNode,
    tree: MapNode,
    path: string,
    scope: Scope,
    stack: string[],
  ): MapNode {
    const node = definition.entries.get('extends');
    if (!node) return definition;
    const shown = this.options.show(path);
    const base = node.kind === 'scalar' ? scalarText(node) : scalarText(get(node, 'service'));
    const fromFile = node.kind === 'map' ? scalarText(get(node, 'file')) : '';
    if (!base) throw new UsageError(`${shown}:${node.loc.line}: extends needs a service name`);
    let baseTree = tree;
    let basePath = path;
    if (fromFile) {
      basePath = resolve(dirname(path), fromFile);
      if (!this.source.exists(basePath))
        throw new UsageError(
          `${shown}:${node.loc.line}: extends: ${fromFile} does not exist (looked for ${this.options.show(basePath)})`,
        );
      const loaded = this.interpolate(readTree(this.source, basePath, this.options.show(basePath)), scope);
      if (loaded.kind !== 'map') throw new UsageError(`${this.options.show(basePath)}: not a valid compose file`);
      baseTree = loaded;
      this.files.push({ path: this.options.show(basePath), role: 'extends' });
    }
    const baseDefinition = get(get(baseTree, 'services'), base);
    if (!baseDefinition || baseDefinition.kind !== 'map') {
      throw new UsageError(
        `${shown}:${node.loc.line}: extends: no service '${base}' in ${this.options.show(basePath)}`,
      );
    }
    const key = `${basePath}#${base}`;
    if (stack.includes(key))
      throw new UsageError(
        `${shown}:${node.loc.line}: extends: '${name}' extends itself (${[...stack, key].join(' → ')})`,
      );
    let resolvedBase = this.extend(base, baseDefinition, baseTree, basePath, scope, [...stack, key]);
    // Relative paths in another file are relative to that file's directory.
    if (fromFile) resolvedBase = rebase(resolvedBase, dirname(basePath), this.projectDir);
    const own = mapNode(
      definition.loc,
      [...definition.entries].filter(([entry]) => entry !== 'extends'),
    );
    return mergeService(resolvedBase, own);
  }

  finish(merged: MapNode): LoadedProject {
    const services = (get(merged, 'services') as MapNode | undefined)?.entries ?? new Map<string, Tree>();
    const active = new Set(
      (this.lookup('COMPOSE_PROFILES') ?? '')
        .split(',')
        .map((profile) => profile.trim())
        .filter(Boolean),
    );
    const inactive: LoadedProject['inactive'] = [];
    const drafts: ServiceDraft[] = [];
    for (const [name, tree] of services) {
      const profiles = (get(tree, 'profiles')?.kind === 'seq' ? (get(tree, 'profiles') as { items: Tree[] }).items : [])
        .map(scalarText)
        .filter(Boolean);
      if (profiles.length > 0 && !profiles.some((profile) => active.has(profile))) {
        inactive.push({ name, profiles });
        continue;
      }
      const envFiles: EnvFileRecord[] = [];
      const resolved = this.resolveEnvironment(resolveBuildArgs(tree as MapNode, this.lookup), envFiles);
      drafts.push({ name, tree: resolved, loc: tree.loc, envFiles });
    }
    const top = mapNode(
      merged.loc,
      [...merged.entries].filter(([key]) => key !== 'services'),
    );
    this.refusals.push(...checkConsistency(drafts, top, new Set(services.keys())));
    return {
      name: scalarText(get(merged, 'name')) || null,
      files: this.files,
      services: drafts,
      top,
      inactive,
      missing: this.missing,
      unset: this.unset,
      variables: this.variables,
      envFiles: this.envFiles,
      projectEnv: this.scope.dotEnv,
      refusals: this.refusals,
    };
  }

  /**
   * A service's `env_file`s read into its `environment`, as compose does: in order, later files
   * over earlier ones, `environment` over all of them; each value keeps the env file's line.
   */
  private resolveEnvironment(service: MapNode, read: EnvFileRecord[]): MapNode {
    const node = service.entries.get('env_file');
    if (!node) return service;
    const items = node.kind === 'seq' ? node.items : [node];
    const fromFiles = new Map<string, Tree>();
    for (const item of items) {
      const path = item.kind === 'map' ? scalarText(get(item, 'path')) : scalarText(item);
      if (!path) continue;
      const requiredNode = item.kind === 'map' ? get(item, 'required') : undefined;
      const required = !(requiredNode?.kind === 'scalar' && [false, 'false'].includes(requiredNode.value as never));
      const absolute = isAbsolute(path) ? path : resolve(this.projectDir, path);
      const example = !this.source.exists(absolute) && this.options.exampleEnv ? this.exampleFor(absolute) : null;
      const record = example
        ? this.readEnv(example, 'env_file', item.loc, required, absolute, this.lookup)
        : this.options.dotEnv === false && !this.source.exists(absolute)
          ? null
          : this.readEnv(absolute, 'env_file', item.loc, required, null, this.lookup);
      if (record) read.push(record);
      for (const entry of record?.entries ?? [])
        fromFiles.set(entry.name, scalarNode(entry.value, { file: record!.shown, line: entry.line }));
    }
    const own = service.entries.get('environment');
    const ownMap = own ? asNameMap(own, 'environment') : undefined;
    const environment = mapNode(own?.loc ?? node.loc, [...fromFiles]);
    for (const [name, value] of ownMap?.kind === 'map' ? ownMap.entries : []) {
      environment.entries.delete(name);
      environment.entries.set(name, value);
    }
    const entries = new Map(service.entries);
    entries.delete('env_file');
    entries.set('environment', environment);
    return { ...service, entries };
  }
}

/**
 * `build.args` as compose hands them to the build: a name without a value takes the variable's
 * value (the environment, then `.env`), and is left out when it has none.
 */
function resolveBuildArgs(service: MapNode, lookup: Lookup): MapNode {
  const build = service.entries.get('build');
  const args = build?.kind === 'map' ? build.entries.get('args') : undefined;
  if (!build || build.kind !== 'map' || !args) return service;
  const named = asNameMap(args, 'args');
  if (named.kind !== 'map') return service;
  const resolved = mapNode(named.loc);
  for (const [name, value] of named.entries) {
    if (value.kind === 'scalar' && value.value === null) {
      const given = lookup(name);
      if (given !== undefined) resolved.entries.set(name, scalarNode(given, value.loc));
    } else resolved.entries.set(name, value);
  }
  const buildEntries = new Map(build.entries);
  buildEntries.set('args', resolved);
  return { ...service, entries: new Map([...service.entries, ['build', { ...build, entries: buildEntries }]]) };
}

function mergeProjects(base: MapNode, over: MapNode): MapNode {
  const entries = new Map(base.entries);
  for (const [key, value] of over.entries) {
    const previous = entries.get(key);
    if (key === 'services' && previous?.kind === 'map' && value.kind === 'map') {
      const services = new Map(previous.entries);
      for (const [name, definition] of value.entries) {
        const lower = services.get(name);
        // The service stays where it is first defined: a finding about a key no file sets (no
        // limits, no logging) belongs on the base definition, not on an override that adds a value.
        services.set(
          name,
          lower?.kind === 'map' && definition.kind === 'map'
            ? { ...mergeService(lower, definition), loc: lower.loc }
            : definition,
        );
      }
      entries.set(key, { ...value, entries: services });
    } else entries.set(key, previous ? mergeAny(previous, value) : value);
  }
  return { ...over, entries };
}

function readTree(source: FileSource, path: string, shown: string): Tree {
  let text: string;
  try {
    text = source.read(path);
  } catch (error) {
    throw new UsageError(`${shown}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
  const counter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter: counter,
    merge: false,
    uniqueKeys: false,
    customTags: RESET_TAGS,
  });
  const problem = document.errors[0];
  if (problem) {
    throw new UsageError(
      `${shown}:${problem.linePos?.[0]?.line ?? 1}: not a valid compose file (${problem.message.split('\n')[0]})`,
    );
  }
  try {
    return treeOf(document, shown, counter);
  } catch (error) {
    if (error instanceof ExpansionError)
      throw new UsageError(`${shown}: not a valid compose file: it ${error.message}`, { cause: error });
    throw error;
  }
}

/** `!reset` and `!override` are compose's own tags: kept on the node, the value parsed as usual. */
const RESET_TAGS = ['!reset', '!override'].flatMap((tag) =>
  (['scalar', 'seq', 'map'] as const).map((collection) => ({
    tag,
    ...(collection === 'scalar' ? {} : { collection }),
    resolve: (value: unknown) => value,
  })),
) as never;

/**
 * Relative paths of a file read from another directory (an included or extended file), made
 * right for the project: build.context and env_file absolute (the build needs them), bind-mount
 * sources relative to the project directory — still relative, so a project mount is never
 * mistaken for a host path.
 */
function rebase(service: MapNode, baseDir: string, projectDir: string): MapNode {
  const entries = new Map(service.entries);
  const absolute = (node: Tree | undefined): Tree | undefined => {
    if (
      node?.kind !== 'scalar' ||
      typeof node.value !== 'string' ||
      node.value === '' ||
      isRemote(node.value) ||
      isAbsolute(node.value)
    )
      return node;
    return { ...node, value: resolve(baseDir, node.value) };
  };
  const build = entries.get('build');
  if (build?.kind === 'scalar') entries.set('build', mapNode(build.loc, [['context', absolute(build)!]]));
  else if (build?.kind === 'map') {
    const context = build.entries.get('context');
    const copy = new Map(build.entries);
    copy.set('context', context ? absolute(context)! : { kind: 'scalar', value: baseDir, loc: build.loc });
    entries.set('build', { ...build, entries: copy });
  }
  const envFile = entries.get('env_file');
  if (envFile?.kind === 'scalar') entries.set('env_file', absolute(envFile)!);
  else if (envFile?.kind === 'seq')
    entries.set('env_file', {
      ...envFile,
      items: envFile.items.map((item) => (item.kind === 'map' ? item : absolute(item)!)),
    });
  const volumes = entries.get('volumes');
  const moved = (source: string): string => {
    const path = relative(projectDir, resolve(baseDir, source));
    return path.startsWith('.') ? path : `./${path}`;
  };
  if (volumes?.kind === 'seq' && baseDir !== projectDir) {
    entries.set('volumes', {
      ...volumes,
      items: volumes.items.map((item) => {
        if (item.kind === 'map') {
          const source = item.entries.get('source');
          if (source?.kind !== 'scalar' || typeof source.value !== 'string' || !/^\.\.?($|\/)/.test(source.value))
            return item;
          return {
            ...item,
            entries: new Map([...item.entries, ['source', { ...source, value: moved(source.value) }]]),
          };
        }
        if (item.kind !== 'scalar' || typeof item.value !== 'string') return item;
        const [source, ...rest] = item.value.split(':');
        if (rest.length === 0 || !source || !/^\.\.?($|\/)/.test(source)) return item;
        return { ...item, value: [moved(source), ...rest].join(':') };
      }),
    });
  }
  return { ...service, entries };
}

/** `~/x:/y` mounts the user's home directory: written out, so it is judged as the host path it is. */
function expandHome(service: MapNode, home: string): MapNode {
  const volumes = service.entries.get('volumes');
  if (volumes?.kind !== 'seq') return service;
  const expand = (source: string): string =>
    source === '~' ? home : source.startsWith('~/') ? `${home}${source.slice(1)}` : source;
  const items = volumes.items.map((item): Tree => {
    if (item.kind === 'scalar' && typeof item.value === 'string' && item.value.startsWith('~')) {
      const [source = '', ...rest] = item.value.split(':');
      return { ...item, value: [expand(source), ...rest].join(':') };
    }
    const source = item.kind === 'map' ? item.entries.get('source') : undefined;
    if (
      item.kind === 'map' &&
      source?.kind === 'scalar' &&
      typeof source.value === 'string' &&
      source.value.startsWith('~')
    ) {
      return { ...item, entries: new Map([...item.entries, ['source', { ...source, value: expand(source.value) }]]) };
    }
    return item;
  });
  return { ...service, entries: new Map([...service.entries, ['volumes', { ...volumes, items }]]) };
}

function isRemote(value: string): boolean {
  return /^(https?:\/\/|git@|github\.com\/|ssh:\/\/|git:\/\/)/.test(value) || value.includes('.git#');
}

function scalarText(node: Tree | undefined): string {
  return node?.kind === 'scalar' && node.value !== null ? String(node.value) : '';
}

/** Files held in memory, by absolute path (for tests and benchmarks of text that is not on disk). */
export function memorySource(files: Record<string, string>): FileSource {
  return {
    read(path) {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`no file ${path}`), { code: 'ENOENT' });
      return text;
    },
    exists: (path) => path in files,
  };
}
