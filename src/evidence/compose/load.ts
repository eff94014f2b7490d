import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { UsageError } from '../../util/errors.js';
import { interpolate, parseDotEnv, type Lookup } from './interpolate.js';
import { mergeAny, mergeService } from './merge.js';
import {
  ExpansionError,
  get,
  mapNode,
  mapStrings,
  treeOf,
  type Loc,
  type MapNode,
  type Scalar,
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
}

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
}

const BOOLEAN_FIELDS = new Set(['privileged', 'read_only', 'init', 'tty', 'stdin_open', 'oom_kill_disable']);
const NETWORK_BOOLEANS = new Set(['internal', 'external', 'attachable', 'enable_ipv6']);

export function loadProject(options: LoadOptions): LoadedProject {
  const projectDir = dirname(options.files[0]);
  const source = options.source ?? DISK;
  const context = new LoadContext(options, source, readDotEnv(projectDir, source), projectDir);
  let merged: MapNode | null = null;
  for (const file of options.files) {
    const model = context.loadFile(file, projectDir, 'file');
    merged = merged ? mergeProjects(merged, model) : model;
  }
  return context.finish(merged!);
}

class LoadContext {
  readonly files: LoadedProject['files'] = [];
  readonly missing: LoadedProject['missing'] = [];
  readonly unset: LoadedProject['unset'] = [];

  constructor(
    private readonly options: LoadOptions,
    private readonly source: FileSource,
    private readonly dotEnv: Record<string, string>,
    readonly projectDir: string,
  ) {}

  lookup: Lookup = (name) => this.options.env[name] ?? this.dotEnv[name];

  /** `~` in a bind mount is the user's home, as compose expands it. */
  get home(): string {
    return this.options.env.HOME ?? homedir();
  }

  /** One file, interpolated, its includes and extends resolved; relative paths made absolute against `baseDir`. */
  loadFile(
    path: string,
    baseDir: string,
    role: LoadedProject['files'][number]['role'],
    lookup = this.lookup,
    stack: string[] = [],
  ): MapNode {
    const shown = this.options.show(path);
    this.files.push({ path: shown, role });
    const raw = readTree(this.source, path, shown);
    const tree = interpolateTree(raw, lookup, this);
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
            this.extend(name, definition, tree, path, lookup, [...stack, `${path}#${name}`]),
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
          ? readEnvFile(this.source, resolve(dirname(path), envFile), shown, entry.loc.line)
          : readDotEnv(includeDir, this.source);
        loaded.push(this.loadFile(file, includeDir, 'include', (name) => this.options.env[name] ?? dotEnv[name]));
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
    lookup: Lookup,
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
      const loaded = interpolateTree(readTree(this.source, basePath, this.options.show(basePath)), lookup, this);
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
    let resolvedBase = this.extend(base, baseDefinition, baseTree, basePath, lookup, [...stack, key]);
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
      drafts.push({ name, tree: tree as MapNode, loc: tree.loc });
    }
    return {
      name: scalarText(get(merged, 'name')) || null,
      files: this.files,
      services: drafts,
      top: mapNode(
        merged.loc,
        [...merged.entries].filter(([key]) => key !== 'services'),
      ),
      inactive,
      missing: this.missing,
      unset: this.unset,
    };
  }
}

function mergeProjects(base: MapNode, over: MapNode): MapNode {
  const entries = new Map(base.entries);
  for (const [key, value] of over.entries) {
    const previous = entries.get(key);
    if (key === 'services' && previous?.kind === 'map' && value.kind === 'map') {
      const services = new Map(previous.entries);
      for (const [name, definition] of value.entries) {
        const lower = services.get(name);
        services.set(
          name,
          lower?.kind === 'map' && definition.kind === 'map' ? mergeService(lower, definition) : definition,
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

/** Every string interpolated; values of typed fields cast as compose casts them. */
function interpolateTree(tree: Tree, lookup: Lookup, found: Pick<LoadedProject, 'missing' | 'unset'>): Tree {
  return mapStrings(tree, (value, path, loc) => {
    const result = interpolate(value, lookup);
    for (const problem of result.missing) found.missing.push({ ...problem, loc });
    for (const name of result.unset) found.unset.push({ name, loc });
    return cast(result.value, path, value !== result.value);
  });
}

function cast(value: string, path: string[], interpolated: boolean): Scalar['value'] {
  const [section, , field, inner] = path;
  const booleanField =
    (section === 'services' &&
      ((path.length === 3 && BOOLEAN_FIELDS.has(field)) ||
        (field === 'healthcheck' && inner === 'disable' && path.length === 4))) ||
    (section === 'networks' && path.length === 3 && NETWORK_BOOLEANS.has(field));
  if (booleanField) {
    const lower = value.toLowerCase();
    if (['y', 'yes', 'true', 'on'].includes(lower)) return true;
    if (['n', 'no', 'false', 'off'].includes(lower)) return false;
  }
  if (interpolated && section === 'services' && field === 'healthcheck' && inner === 'retries' && /^\d+$/.test(value))
    return Number(value);
  return value;
}

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

function readDotEnv(dir: string, source: FileSource): Record<string, string> {
  // `join` of an absolute directory, not `resolve`: the bundler reads `resolve(x, '.env')` as a
  // file relative to the build machine's working directory, ships it in dist/ and rewrites the
  // path to point there (scripts/bundle.mjs now refuses any such asset).
  const path = join(dir, '.env');
  return source.exists(path) ? parseDotEnv(source.read(path)) : {};
}

function readEnvFile(source: FileSource, path: string, shown: string, line: number): Record<string, string> {
  if (!source.exists(path)) throw new UsageError(`${shown}:${line}: env_file ${path} does not exist`);
  return parseDotEnv(source.read(path));
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
