import { get, type Loc, type MapNode, type Scalar, type Tree } from './tree.js';

// What makes compose itself refuse a project — `docker compose config` fails, so `up` never runs:
// a value that does not cast to its field's type after interpolation, a service that names a
// network, volume, secret, config or dependency the project does not declare, a service with
// neither an image nor a build. Seen on compose 2.40 (compose-go's interpolation casts and
// consistency checks); the messages keep compose's wording so a user recognises them. A project
// compose refuses is not judged as if it were valid (src/evidence/compose.ts says how to supply
// what it lacks).

export interface Refusal {
  /** What compose says, with repository-relative paths. */
  message: string;
  /** Where the cause is written, when it is written somewhere. */
  loc: Loc | null;
  kind: 'env-file' | 'variable' | 'type' | 'reference' | 'service' | 'syntax';
  /** The env file, variable, field or name it is about. */
  subject: string;
}

export type Cast = 'boolean' | 'int' | 'float' | 'size' | 'duration';

/** compose-go's casts after interpolation (`*` any key, `#` any list index), by path under a service. */
const SERVICE_CASTS: [string, Cast][] = [
  ['init', 'boolean'],
  ['privileged', 'boolean'],
  ['read_only', 'boolean'],
  ['tty', 'boolean'],
  ['stdin_open', 'boolean'],
  ['oom_kill_disable', 'boolean'],
  ['healthcheck.disable', 'boolean'],
  ['volumes.#.read_only', 'boolean'],
  ['volumes.#.volume.nocopy', 'boolean'],
  ['healthcheck.retries', 'int'],
  ['deploy.replicas', 'int'],
  ['deploy.restart_policy.max_attempts', 'int'],
  ['deploy.update_config.parallelism', 'int'],
  ['deploy.rollback_config.parallelism', 'int'],
  ['deploy.placement.max_replicas_per_node', 'int'],
  ['scale', 'int'],
  ['ports.#.target', 'int'],
  ['secrets.#.mode', 'int'],
  ['configs.#.mode', 'int'],
  ['ulimits.*', 'int'],
  ['ulimits.*.soft', 'int'],
  ['ulimits.*.hard', 'int'],
  ['cpu_count', 'int'],
  ['cpu_period', 'int'],
  ['cpu_quota', 'int'],
  ['cpu_rt_period', 'int'],
  ['cpu_rt_runtime', 'int'],
  ['cpu_shares', 'int'],
  ['oom_score_adj', 'int'],
  ['pids_limit', 'int'],
  ['cpus', 'float'],
  ['cpu_percent', 'float'],
  ['deploy.resources.limits.cpus', 'float'],
  ['deploy.resources.reservations.cpus', 'float'],
  ['mem_limit', 'size'],
  ['mem_reservation', 'size'],
  ['memswap_limit', 'size'],
  ['shm_size', 'size'],
  ['deploy.resources.limits.memory', 'size'],
  ['deploy.resources.reservations.memory', 'size'],
  ['stop_grace_period', 'duration'],
  ['healthcheck.interval', 'duration'],
  ['healthcheck.timeout', 'duration'],
  ['healthcheck.start_period', 'duration'],
  ['healthcheck.start_interval', 'duration'],
];
const TOP_CASTS: [string, Cast][] = [
  ['networks.*.external', 'boolean'],
  ['networks.*.internal', 'boolean'],
  ['networks.*.attachable', 'boolean'],
  ['networks.*.enable_ipv6', 'boolean'],
  ['volumes.*.external', 'boolean'],
  ['secrets.*.external', 'boolean'],
  ['configs.*.external', 'boolean'],
];

export function castOf(path: string[]): Cast | null {
  const matches = (pattern: string, parts: string[]): boolean => {
    const wanted = pattern.split('.');
    return (
      wanted.length === parts.length &&
      wanted.every((part, index) => part === '*' || (part === '#' ? /^\d+$/.test(parts[index]) : part === parts[index]))
    );
  };
  if (path[0] === 'services' && path.length > 2) {
    const under = path.slice(2);
    return SERVICE_CASTS.find(([pattern]) => matches(pattern, under))?.[1] ?? null;
  }
  return TOP_CASTS.find(([pattern]) => matches(pattern, path))?.[1] ?? null;
}

/**
 * A string value as compose types it after interpolation: booleans become booleans, a retry count
 * a number; a value that does not cast is compose's error. Values written as they are (not
 * interpolated) keep YAML's own typing; only booleans are read in both spellings.
 */
export function castValue(
  value: string,
  path: string[],
  interpolated: boolean,
): { value: Scalar['value']; error?: string } {
  const cast = castOf(path);
  if (cast === 'boolean') {
    const lower = value.toLowerCase();
    if (['y', 'yes', 'true', 'on'].includes(lower)) return { value: true };
    if (['n', 'no', 'false', 'off'].includes(lower)) return { value: false };
    return interpolated ? { value, error: `invalid boolean: ${value}` } : { value };
  }
  if (!interpolated || cast === null) return { value };
  if (cast === 'int') {
    if (/^[-+]?\d+$/.test(value.trim())) return { value: path.at(-1) === 'retries' ? Number(value) : value };
    return { value, error: `strconv.Atoi: parsing "${value}": invalid syntax` };
  }
  if (cast === 'float') {
    if (value.trim() !== '' && Number.isFinite(Number(value))) return { value };
    return { value, error: `strconv.ParseFloat: parsing "${value}": invalid syntax` };
  }
  // Sizes and durations: compose's own units are many; only the empty value is surely refused.
  if (value.trim() === '') return { value, error: `invalid ${cast === 'size' ? 'size' : 'duration'} ""` };
  return { value };
}

/** compose-go's consistency checks on the loaded project, every one that fails. */
export function checkConsistency(
  services: { name: string; tree: MapNode }[],
  top: MapNode,
  known: Set<string>,
): Refusal[] {
  const refusals: Refusal[] = [];
  const declared = (section: string): Set<string> => {
    const node = get(top, section);
    return new Set(node?.kind === 'map' ? node.entries.keys() : []);
  };
  const networks = new Set(['default', ...declared('networks')]);
  const volumes = declared('volumes');
  const secrets = declared('secrets');
  const configs = declared('configs');
  for (const { name, tree } of services) {
    const refuse = (message: string, node: Tree, subject: string, kind: Refusal['kind'] = 'reference'): void => {
      refusals.push({ message, loc: node.loc, kind, subject });
    };
    if (!get(tree, 'image') && !get(tree, 'build'))
      refuse(`service "${name}" has neither an image nor a build context specified`, tree, name, 'service');
    for (const [network, node] of namesIn(get(tree, 'networks')))
      if (!networks.has(network)) refuse(`service "${name}" refers to undefined network ${network}`, node, network);
    for (const [dependency, node] of namesIn(get(tree, 'depends_on')))
      if (!known.has(dependency))
        refuse(`service "${name}" depends on undefined service "${dependency}"`, node, dependency);
    const volumesNode = get(tree, 'volumes');
    for (const item of volumesNode?.kind === 'seq' ? volumesNode.items : []) {
      const source = namedVolumeSource(item);
      if (source !== null && !volumes.has(source))
        refuse(`service "${name}" refers to undefined volume ${source}`, item, source);
    }
    for (const [section, names, what] of [
      ['secrets', secrets, 'secret'],
      ['configs', configs, 'config'],
    ] as const) {
      const node = get(tree, section);
      for (const item of node?.kind === 'seq' ? node.items : []) {
        const source = item.kind === 'scalar' ? String(item.value ?? '') : text(get(item, 'source'));
        if (source && !names.has(source))
          refuse(`service "${name}" refers to undefined ${what} ${source}`, item, source);
      }
    }
  }
  return refusals;
}

function text(node: Tree | undefined): string {
  return node?.kind === 'scalar' && node.value !== null ? String(node.value) : '';
}

/** A list of names or a mapping keyed by name (service networks, depends_on). */
function namesIn(node: Tree | undefined): [string, Tree][] {
  if (node?.kind === 'seq') return node.items.map((item) => [text(item), item]);
  if (node?.kind === 'map') return [...node.entries];
  return [];
}

/**
 * The named volume a mount uses (`data:/var/lib/x`, `{type: volume, source: data}`), or null for a
 * bind mount (a path: `/x`, `./x`, `~/x`, `C:\x`), an anonymous volume, or tmpfs.
 */
function namedVolumeSource(item: Tree): string | null {
  if (item.kind === 'map') {
    const type = text(get(item, 'type')) || 'volume';
    const source = text(get(item, 'source'));
    return type === 'volume' && source ? source : null;
  }
  const spec = text(item);
  const parts = spec.split(':');
  if (parts.length < 2) return null;
  const source = parts[0];
  if (source === '' || /^[./~]/.test(source) || /^[A-Za-z]$/.test(source)) return null;
  return source;
}
