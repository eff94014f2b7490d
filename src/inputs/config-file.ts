import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { ConfigIgnore } from '../model.js';
import { UsageError } from '../util/errors.js';
import { textOf } from '../util/text.js';
import { INPUTS, type InputName } from './definitions.js';
import type { RawInputs } from './raw-inputs.js';
import { lineCounterWhere, readTargetsNode, type TargetSpec } from './targets.js';

// The config file speaks the inputs' vocabulary: the same kebab-case names, values as YAML
// (numbers, booleans, lists, and maps for build-args). Errors name the file, the line and the
// expected form, because a typo in a gate's configuration must not pass silently.

// Read here, and passed on by every caller that reads a config file; defined on its own so the
// targets' parser (src/inputs/targets.ts) needs nothing of this file.
export type { RawInputs };

export type { ConfigIgnore };

export interface ConfigFile {
  path: string;
  values: RawInputs;
  ignores: ConfigIgnore[];
  /** The file's `targets:`; null when it has none. */
  targets: TargetSpec[] | null;
}

export async function readConfigFile(
  path: string,
  shownAs: string,
  forbidden: readonly InputName[] = [],
): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `config: cannot read ${shownAs} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path`,
    );
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0];
    const line = first.linePos?.[0]?.line;
    throw new UsageError(
      `config ${shownAs}${line ? `:${line}` : ''}: not valid YAML (${first.message.split('\n')[0]})`,
    );
  }
  const values: RawInputs = {};
  const ignores: ConfigIgnore[] = [];
  let targets: TargetSpec[] | null = null;
  const contents = document.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) return { path, values, ignores, targets };
  if (!isMap(contents))
    throw new UsageError(
      `config ${shownAs}: expected a mapping of input names to values, like "max-image-size-mb: 400"`,
    );
  for (const pair of contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const line = lineOf(pair.key, lineCounter);
    const where = `config ${shownAs}:${line}`;
    if (key === 'ignores') {
      ignores.push(...readIgnores(pair.value, shownAs, lineCounter));
      continue;
    }
    // `$schema: https://…/config.schema.json` lets editors complete and check the file.
    if (key === '$schema') continue;
    if (key === 'targets' && !forbidden.includes('targets')) {
      targets = readTargetsNode(pair.value, lineCounterWhere(shownAs, lineCounter), toText);
      continue;
    }
    if (!(key in INPUTS)) {
      throw new UsageError(
        `${where}: unknown key '${key}'; known keys are the action's inputs (see the README), e.g. max-image-size-mb`,
      );
    }
    const name = key as InputName;
    if (INPUTS[name].notInConfig || forbidden.includes(name)) {
      throw new UsageError(`${where}: '${name}' cannot be set in this file; give it as an input or CLI flag`);
    }
    values[name] = toText(pair.value, `${where}: ${name}`);
  }
  return { path, values, ignores, targets };
}

const IGNORE_KEYS = new Set(['id', 'path', 'reason', 'until']);

/** `ignores:` — a list of { id, path?, reason, until? }; every error names the line and the form. */
function readIgnores(node: Node | null, shownAs: string, counter: LineCounter): ConfigIgnore[] {
  if (!isSeq(node))
    throw new UsageError(
      `config ${shownAs}:${lineOf(node, counter)}: ignores must be a list of { id, reason, path?, until? }`,
    );
  return node.items.map((item) => {
    const line = lineOf(item as Node, counter);
    const where = `config ${shownAs}:${line}: ignores`;
    if (!isMap(item))
      throw new UsageError(`${where}: each entry must be a mapping like { id: HARD-DOCKERFILE-002, reason: "…" }`);
    const entry: Record<string, string> = {};
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!IGNORE_KEYS.has(key))
        throw new UsageError(`${where}: unknown key '${key}'; an ignore has id, reason, and optionally path and until`);
      if (!isScalar(pair.value)) throw new UsageError(`${where}: ${key} must be a plain value`);
      entry[key] =
        pair.value.value instanceof Date ? pair.value.value.toISOString().slice(0, 10) : textOf(pair.value.value);
    }
    if (!/^HARD-[A-Z]+-\d{3}$/.test(entry.id ?? ''))
      throw new UsageError(
        `${where}: id '${entry.id ?? ''}' is not a check id like HARD-DOCKERFILE-002 (see docs/checks.md)`,
      );
    if (!entry.reason?.trim()) throw new UsageError(`${where}: ${entry.id} needs a reason: why is it acceptable here?`);
    if (
      entry.until !== undefined &&
      !(/^\d{4}-\d{2}-\d{2}$/.test(entry.until) && !Number.isNaN(Date.parse(entry.until)))
    ) {
      throw new UsageError(`${where}: until '${entry.until}' is not a date like 2027-01-31`);
    }
    return {
      id: entry.id,
      reason: entry.reason.trim(),
      source: `${shownAs}:${line}`,
      ...(entry.path ? { path: entry.path } : {}),
      ...(entry.until ? { until: entry.until } : {}),
    };
  });
}

/** A YAML value as the text an action input would carry. */
function toText(node: Node | null, where: string): string {
  if (node === null || (isScalar(node) && node.value === null)) return '';
  if (isScalar(node)) return String(node.value);
  if (isSeq(node)) {
    return node.items
      .map((item) => {
        if (!isScalar(item)) throw new UsageError(`${where}: list items must be plain values`);
        return String(item.value);
      })
      .join('\n');
  }
  if (isMap(node)) {
    return node.items
      .map((pair) => {
        if (!isScalar(pair.key) || (pair.value !== null && !isScalar(pair.value))) {
          throw new UsageError(`${where}: expected KEY: value pairs`);
        }
        return `${String(pair.key.value)}=${pair.value === null ? '' : String((pair.value as { value: unknown }).value)}`;
      })
      .join('\n');
  }
  throw new UsageError(`${where}: unsupported value`);
}

function lineOf(node: Node | null, counter: LineCounter): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 0 : counter.linePos(offset).line;
}
