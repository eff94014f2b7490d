import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { UsageError } from '../util/errors.js';
import { INPUTS, type InputName } from './definitions.js';

// The config file speaks the inputs' vocabulary: the same kebab-case names, values as YAML
// (numbers, booleans, lists, and maps for build-args). Errors name the file, the line and the
// expected form, because a typo in a gate's configuration must not pass silently.

export type RawInputs = Partial<Record<InputName, string>>;

export interface ConfigFile {
  path: string;
  values: RawInputs;
}

export async function readConfigFile(path: string, shownAs: string, forbidden: readonly InputName[] = []): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`config: cannot read ${shownAs} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path`);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new UsageError(`config ${shownAs}${line ? `:${line}` : ''}: not valid YAML (${first.message.split('\n')[0]})`);
  }
  const values: RawInputs = {};
  const contents = document.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) return { path, values };
  if (!isMap(contents)) throw new UsageError(`config ${shownAs}: expected a mapping of input names to values, like "max-image-size-mb: 400"`);
  for (const pair of contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const line = lineOf(pair.key as Node, lineCounter);
    const where = `config ${shownAs}:${line}`;
    if (!(key in INPUTS)) {
      throw new UsageError(`${where}: unknown key '${key}'; known keys are the action's inputs (see the README), e.g. max-image-size-mb`);
    }
    const name = key as InputName;
    if (INPUTS[name].notInConfig || forbidden.includes(name)) {
      throw new UsageError(`${where}: '${name}' cannot be set in this file; give it as an input or CLI flag`);
    }
    values[name] = toText(pair.value as Node | null, `${where}: ${name}`);
  }
  return { path, values };
}

/** A YAML value as the text an action input would carry. */
function toText(node: Node | null, where: string): string {
  if (node === null || (isScalar(node) && node.value === null)) return '';
  if (isScalar(node)) return String(node.value);
  if (isSeq(node)) {
    return node.items.map((item) => {
      if (!isScalar(item)) throw new UsageError(`${where}: list items must be plain values`);
      return String(item.value);
    }).join('\n');
  }
  if (isMap(node)) {
    return node.items.map((pair) => {
      if (!isScalar(pair.key) || (pair.value !== null && !isScalar(pair.value))) {
        throw new UsageError(`${where}: expected KEY: value pairs`);
      }
      return `${String(pair.key.value)}=${pair.value === null ? '' : String((pair.value as { value: unknown }).value)}`;
    }).join('\n');
  }
  throw new UsageError(`${where}: unsupported value`);
}

function lineOf(node: Node | null, counter: LineCounter): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 0 : counter.linePos(offset).line;
}
