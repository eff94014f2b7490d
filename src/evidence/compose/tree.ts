import { textOf } from '../../util/text.js';
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node as YamlNode } from 'yaml';

// A compose file as a tree whose every value knows where it is written (file and line), so that
// after includes, extends and override files are merged, a finding still lands on the line to
// change: the base file's for an inherited value, the override's for an overridden one. Aliases
// and merge keys (`<<`) are expanded here, within a budget: a file of a few lines can otherwise
// expand to billions of nodes (a "YAML bomb").

export interface Loc {
  /** Repository-relative file. */
  file: string;
  line: number;
}

export type Tree = Scalar | Seq | MapNode;

export interface Scalar {
  kind: 'scalar';
  value: string | number | boolean | null;
  loc: Loc;
  /** `!reset` (remove what lower files set) or `!override` (replace it, not merge). */
  tag?: 'reset' | 'override';
}

export interface Seq {
  kind: 'seq';
  items: Tree[];
  loc: Loc;
  tag?: 'reset' | 'override';
}

export interface MapNode {
  kind: 'map';
  entries: Map<string, Tree>;
  loc: Loc;
  tag?: 'reset' | 'override';
}

/** Nodes an expanded document may have; real compose files have a few thousand. */
export const EXPANSION_LIMIT = 200_000;

export class ExpansionError extends Error {}

/**
 * The document as a tree. A value's location is its key's line (a mapping entry) or its own
 * (a sequence item); an alias's, the anchor's.
 */
export function treeOf(document: Document, file: string, counter: LineCounter): Tree {
  let budget = EXPANSION_LIMIT;
  const lineOf = (node: YamlNode | null | undefined, fallback: number): number => {
    const offset = node?.range?.[0];
    return offset === undefined ? fallback : counter.linePos(offset).line;
  };
  const visit = (node: unknown, line: number, depth: number): Tree => {
    if (--budget < 0 || depth > 200) {
      throw new ExpansionError(
        `expands past ${EXPANSION_LIMIT} values (aliases that repeat each other, a "YAML bomb"?)`,
      );
    }
    const yaml = (isAlias(node) ? node.resolve(document) : node) as YamlNode | null | undefined;
    // A value that is an alias is written where its anchor is: a finding on it belongs there.
    const loc = { file, line: isAlias(node) && isScalar(yaml) ? lineOf(yaml, line) : line };
    const tag = tagOf(yaml);
    if (isMap(yaml)) {
      const entries = new Map<string, Tree>();
      for (const pair of yaml.items) {
        const keyNode = pair.key as YamlNode | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : '';
        const keyLine = lineOf(keyNode, line);
        if (key === '<<') {
          // Merge keys: explicit keys of this mapping win over the merged ones, whatever the order.
          const merged = visit(pair.value, keyLine, depth + 1);
          const sources = merged.kind === 'seq' ? merged.items : [merged];
          for (const source of sources) {
            if (source.kind !== 'map') continue;
            for (const [name, value] of source.entries)
              if (!entries.has(name) && !hasKey(yaml.items, name)) entries.set(name, value);
          }
          continue;
        }
        entries.set(key, visit(pair.value, keyLine, depth + 1));
      }
      return { kind: 'map', entries, loc, ...(tag ? { tag } : {}) };
    }
    if (isSeq(yaml)) {
      return {
        kind: 'seq',
        items: yaml.items.map((item) => visit(item, lineOf(item as YamlNode, line), depth + 1)),
        loc,
        ...(tag ? { tag } : {}),
      };
    }
    const value = isScalar(yaml) ? yaml.value : null;
    return { kind: 'scalar', value: scalar(value), loc, ...(tag ? { tag } : {}) };
  };
  return visit(document.contents, 1, 0);
}

function hasKey(items: readonly { key: unknown }[], name: string): boolean {
  return items.some((pair) => isScalar(pair.key) && String(pair.key.value) === name);
}

function tagOf(node: YamlNode | null | undefined): 'reset' | 'override' | undefined {
  const tag = (node as { tag?: string } | null | undefined)?.tag;
  return tag === '!reset' ? 'reset' : tag === '!override' ? 'override' : undefined;
}

function scalar(value: unknown): Scalar['value'] {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return textOf(value);
}

/** Plain data, for the checks. */
export function plain(tree: Tree | undefined): unknown {
  if (!tree) return undefined;
  if (tree.kind === 'scalar') return tree.value;
  if (tree.kind === 'seq') return tree.items.map(plain);
  return Object.fromEntries([...tree.entries].map(([key, value]) => [key, plain(value)]));
}

/** Where each value is written, by its dotted path (`healthcheck.test`, `ports.0`). */
export function locations(tree: Tree, prefix = '', out: Record<string, Loc> = {}): Record<string, Loc> {
  if (tree.kind === 'map') {
    for (const [key, value] of tree.entries) {
      const path = prefix ? `${prefix}.${key}` : key;
      out[path] = value.loc;
      locations(value, path, out);
    }
  } else if (tree.kind === 'seq') {
    tree.items.forEach((item, index) => {
      const path = `${prefix}.${index}`;
      out[path] = item.loc;
      locations(item, path, out);
    });
  }
  return out;
}

export function mapNode(loc: Loc, entries: [string, Tree][] = []): MapNode {
  return { kind: 'map', entries: new Map(entries), loc };
}

export function scalarNode(value: Scalar['value'], loc: Loc): Scalar {
  return { kind: 'scalar', value, loc };
}

export function get(tree: Tree | undefined, key: string): Tree | undefined {
  return tree?.kind === 'map' ? tree.entries.get(key) : undefined;
}

/** Maps the tree's scalars (strings only), keeping its shape and locations. */
export function mapStrings(
  tree: Tree,
  change: (value: string, path: string[], loc: Loc) => Scalar['value'],
  path: string[] = [],
): Tree {
  if (tree.kind === 'scalar')
    return typeof tree.value === 'string' ? { ...tree, value: change(tree.value, path, tree.loc) } : tree;
  if (tree.kind === 'seq')
    return { ...tree, items: tree.items.map((item, index) => mapStrings(item, change, [...path, String(index)])) };
  return {
    ...tree,
    entries: new Map([...tree.entries].map(([key, value]) => [key, mapStrings(value, change, [...path, key])])),
  };
}
