import { parsePort } from './syntax.js';
import { mapNode, scalarNode, type MapNode, type Scalar, type Tree } from './tree.js';

// The compose specification's merge rules, for override files (`-f a -f b`) and `extends`, as
// `docker compose config` applies them (seen on compose 2.26 and 2.40): mappings merge key by key;
// sequences append; `command`, `entrypoint` and `healthcheck.test` are replaced; `environment`,
// `labels`, `build.args`, service `networks` and `depends_on` merge by name whatever their form;
// `ports` merge by (host ip, published, target, protocol) and `volumes`, `secrets`, `configs` by
// target, the later one in the earlier one's place; `cap_add`/`cap_drop` keep one of each; logging
// options merge only under the same driver; `!reset` removes a value, `!override` replaces it.

const REPLACED = new Set(['command', 'entrypoint']);
const BY_NAME = new Set([
  'environment',
  'labels',
  'annotations',
  'sysctls',
  'extra_hosts',
  'networks',
  'depends_on',
  'ulimits',
]);
const BY_NAME_IN_BUILD = new Set(['args', 'labels']);
const BY_TARGET = new Set(['volumes', 'secrets', 'configs']);
const UNIQUE_VALUES = new Set(['cap_add', 'cap_drop']);

/** `over` laid over `base`, both a service's definition. */
export function mergeService(base: MapNode, over: MapNode): MapNode {
  return mergeMaps(base, over, (key, lower, upper) => {
    if (REPLACED.has(key)) return upper;
    if (key === 'healthcheck')
      return mergeMapsWith(lower, upper, (inner, a, b) => (inner === 'test' ? b : mergeAny(a, b)));
    if (key === 'build')
      return mergeMapsWith(asBuildMap(lower), asBuildMap(upper), (inner, a, b) =>
        BY_NAME_IN_BUILD.has(inner) ? mergeByName(a, b, inner) : mergeAny(a, b),
      );
    if (BY_NAME.has(key)) return mergeByName(lower, upper, key);
    if (key === 'ports') return mergeUnique(lower, upper, portKey);
    if (BY_TARGET.has(key)) return mergeUnique(lower, upper, (item) => targetOf(item, key));
    if (UNIQUE_VALUES.has(key))
      return mergeUnique(lower, upper, (item) => (item.kind === 'scalar' ? String(item.value) : null));
    if (key === 'logging') return mergeLogging(lower, upper);
    return mergeAny(lower, upper);
  });
}

/** Top-level sections other than services (networks, volumes…): mappings merge, the rest is replaced. */
export function mergeAny(lower: Tree, upper: Tree): Tree {
  if (lower.kind === 'map' && upper.kind === 'map') return mergeMapsWith(lower, upper, (_, a, b) => mergeAny(a, b));
  if (lower.kind === 'seq' && upper.kind === 'seq') return { ...upper, items: [...lower.items, ...upper.items] };
  return upper;
}

type Merger = (key: string, lower: Tree, upper: Tree) => Tree;

function mergeMaps(base: MapNode, over: MapNode, merge: Merger): MapNode {
  return mergeMapsWith(base, over, merge) as MapNode;
}

/** Key by key; `!reset` removes the key, `!override` takes the upper value as it is. */
function mergeMapsWith(lower: Tree, upper: Tree, merge: Merger): Tree {
  if (lower.kind !== 'map' || upper.kind !== 'map') return upper;
  const entries = new Map(lower.entries);
  for (const [key, value] of upper.entries) {
    const previous = entries.get(key);
    if (value.tag === 'reset') entries.delete(key);
    else if (value.tag === 'override' || !previous || key.startsWith('x-')) entries.set(key, value);
    else entries.set(key, merge(key, previous, value));
  }
  return { ...upper, entries };
}

/** `build: ./app` is `build: { context: ./app }`. */
function asBuildMap(tree: Tree): Tree {
  return tree.kind === 'scalar' ? mapNode(tree.loc, [['context', tree]]) : tree;
}

/** Sequence (`KEY=VALUE`, or a bare name) or mapping, merged as a mapping by name. */
function mergeByName(lower: Tree, upper: Tree, key: string): Tree {
  const a = asNameMap(lower, key);
  const b = asNameMap(upper, key);
  return mergeMapsWith(a, b, (_, x, y) =>
    key === 'ulimits' ? mergeAny(x, y) : y.kind === 'map' && x.kind === 'map' ? mergeAny(x, y) : y,
  );
}

export function asNameMap(tree: Tree, key: string): Tree {
  if (tree.kind !== 'seq') return tree;
  const entries: [string, Tree][] = tree.items.map((item) => {
    const text = item.kind === 'scalar' ? String(item.value ?? '') : '';
    // Service networks and depends_on as a list name only; environment and labels as KEY=VALUE.
    if (key === 'networks' || key === 'depends_on') return [text, scalarNode(null, item.loc)];
    const separator = key === 'extra_hosts' ? /[=:]/.exec(text) : /=/.exec(text);
    if (!separator) return [text, scalarNode(null, item.loc)];
    return [text.slice(0, separator.index), scalarNode(text.slice(separator.index + 1), item.loc)];
  });
  return mapNode(tree.loc, entries);
}

/** Appended, except an item whose key an earlier one has: it takes that one's place. */
function mergeUnique(lower: Tree, upper: Tree, keyOf: (item: Tree) => string | null): Tree {
  if (lower.kind !== 'seq' || upper.kind !== 'seq') return upper;
  const items = [...lower.items];
  for (const item of upper.items) {
    const key = keyOf(item);
    const at = key === null ? -1 : items.findIndex((candidate) => keyOf(candidate) === key);
    if (at === -1) items.push(item);
    else items[at] = item;
  }
  return { ...upper, items };
}

/** Logging options merge only when both name the same driver, or one names none. */
function mergeLogging(lower: Tree, upper: Tree): Tree {
  const driver = (tree: Tree): unknown =>
    tree.kind === 'map' ? (tree.entries.get('driver') as Scalar | undefined)?.value : undefined;
  const a = driver(lower);
  const b = driver(upper);
  if (a === undefined || b === undefined || a === b) return mergeAny(lower, upper);
  return upper;
}

/** A port's identity: host address, published port, container port, protocol. */
export function portKey(item: Tree): string | null {
  const port = parsePort(item);
  return port ? `${port.host_ip}|${port.published}|${port.target}|${port.protocol}` : null;
}

/** A mount's target: the long syntax's `target`, or the second part of `source:target[:mode]`; `/data/` is `/data`. */
export function targetOf(item: Tree, key: string): string | null {
  const target = rawTarget(item, key);
  return target === null || target === '/' ? target : target.replace(/\/+$/, '');
}

function rawTarget(item: Tree, key: string): string | null {
  if (item.kind === 'map') {
    const target = item.entries.get('target') ?? (key !== 'volumes' ? item.entries.get('source') : undefined);
    return target?.kind === 'scalar' && target.value !== null ? String(target.value) : null;
  }
  if (item.kind !== 'scalar' || item.value === null) return null;
  const text = String(item.value);
  if (key !== 'volumes') return text;
  const parts = text.split(':');
  return parts.length >= 2 ? parts[1] : parts[0];
}
