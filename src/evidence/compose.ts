import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { UsageError } from '../util/errors.js';

// Compose files as the checks need them: every service as plain data (anchors and merge keys
// resolved), with the line of every key, so a finding lands on the line to change.

export interface ComposeService {
  /** Repository-relative compose file. */
  file: string;
  name: string;
  line: number;
  data: Record<string, unknown>;
  /** Line of each key under the service: `healthcheck`, `healthcheck.test`, `ports.0`, … */
  lines: Record<string, number>;
  /** Repository-relative Dockerfile the service builds, when it has `build`. */
  dockerfile: string | null;
  init: boolean | null;
}

export interface ComposeFile {
  path: string;
  services: ComposeService[];
  networks: Record<string, Record<string, unknown> | null>;
  networkLines: Record<string, number>;
}

export interface ComposeEvidence {
  files: ComposeFile[];
  services: ComposeService[];
}

export const DEFAULT_COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

export interface ComposeOptions {
  workspace: string;
  contextDir: string;
  /** Given files (workspace-relative); empty: the usual names in the context directory. */
  given: string[];
  show: (path: string) => string;
}

export function findComposeFiles(options: ComposeOptions): string[] {
  if (options.given.length > 0) {
    return options.given.map((file) => {
      const path = resolve(options.workspace, file);
      if (!existsSync(path)) throw new UsageError(`compose-files: '${file}' does not exist`);
      return path;
    });
  }
  return DEFAULT_COMPOSE_NAMES.map((name) => join(options.contextDir, name)).filter((path) => existsSync(path));
}

export async function collectComposeEvidence(options: ComposeOptions): Promise<ComposeEvidence> {
  const files: ComposeFile[] = [];
  for (const path of findComposeFiles(options))
    files.push(parseComposeFile(await readFile(path, 'utf8'), path, options));
  return { files, services: files.flatMap((file) => file.services) };
}

export function parseComposeFile(
  text: string,
  absolutePath: string,
  options: Pick<ComposeOptions, 'workspace' | 'show'>,
): ComposeFile {
  const shown = options.show(absolutePath);
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter, merge: true, uniqueKeys: false });
  const problem = document.errors[0];
  if (problem) {
    throw new UsageError(
      `${shown}:${problem.linePos?.[0]?.line ?? 1}: not a valid compose file (${problem.message.split('\n')[0]})`,
    );
  }
  const root = document.contents;
  if (!isMap(root)) throw new UsageError(`${shown}: not a valid compose file (expected a mapping with a services key)`);
  const data = document.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>;
  const servicesNode = root.get('services', true) as Node | undefined;
  if (servicesNode !== undefined && !isMap(servicesNode))
    throw new UsageError(`${shown}: services must be a mapping of service names to definitions`);
  const services: ComposeService[] = [];
  const rawServices = (data.services ?? {}) as Record<string, unknown>;
  for (const pair of isMap(servicesNode) ? servicesNode.items : []) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    const definition = rawServices[name];
    if (!definition || typeof definition !== 'object')
      throw new UsageError(`${shown}:${lineOf(pair.key as Node, counter)}: service '${name}' must be a mapping`);
    const lines: Record<string, number> = {};
    recordLines(pair.value as Node, '', lines, counter);
    const service = definition as Record<string, unknown>;
    services.push({
      file: shown,
      name,
      line: lineOf(pair.key as Node, counter),
      data: service,
      lines,
      dockerfile: builtDockerfile(service.build, absolutePath, options),
      init: typeof service.init === 'boolean' ? service.init : null,
    });
  }
  const networks = (data.networks ?? {}) as Record<string, Record<string, unknown> | null>;
  const networkLines: Record<string, number> = {};
  const networksNode = root.get('networks', true) as Node | undefined;
  for (const pair of isMap(networksNode) ? networksNode.items : []) {
    networkLines[String((pair.key as { value?: unknown }).value)] = lineOf(pair.key as Node, counter);
  }
  return { path: shown, services, networks, networkLines };
}

function recordLines(node: Node | null, prefix: string, lines: Record<string, number>, counter: LineCounter): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      if (key === '<<') {
        recordLines(pair.value as Node, prefix, lines, counter); // merged keys: the line of the merge
        continue;
      }
      const path = prefix ? `${prefix}.${key}` : key;
      lines[path] = lineOf(pair.key, counter);
      recordLines(pair.value as Node, path, lines, counter);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const path = `${prefix}.${index}`;
      lines[path] = lineOf(item as Node, counter);
      recordLines(item as Node, path, lines, counter);
    });
  }
}

function lineOf(node: Node | null | undefined, counter: LineCounter): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : counter.linePos(offset).line;
}

/** The Dockerfile a `build:` builds (string context, or context + dockerfile), repository-relative. */
function builtDockerfile(
  build: unknown,
  composePath: string,
  options: Pick<ComposeOptions, 'workspace'>,
): string | null {
  if (!build) return null;
  const spec = typeof build === 'string' ? { context: build } : (build as { context?: string; dockerfile?: string });
  const context = resolve(dirname(composePath), spec.context ?? '.');
  const dockerfile = resolve(context, spec.dockerfile ?? 'Dockerfile');
  return relative(options.workspace, dockerfile).split(sep).join(posix.sep);
}
