import { textOf } from '../../util/text.js';
import { plain, type Tree } from './tree.js';

// Compose's short and long syntaxes of `ports` and bind mounts, read in one place: the merge of
// override files keys ports by this reading, and the checks judge the normalised entries each
// service carries (ComposeService.ports, .binds).

/** A `ports` entry as compose reads it: host address, published port, container port, protocol. */
export interface PortSpec {
  host_ip: string;
  published: string;
  target: string;
  protocol: string;
}

/** `8080:80`, `127.0.0.1:8080:80/udp`, `80`, `[::1]:80:80`, `8080-8081:80-81`. */
export function parsePortText(text: string): PortSpec {
  const [spec = '', protocol = 'tcp'] = text.split('/');
  const ipv6 = /^\[([^\]]*)\]:(.*)$/.exec(spec);
  const parts = ipv6 ? [ipv6[1], ...ipv6[2].split(':')] : spec.split(':');
  if (parts.length >= 3)
    return {
      host_ip: parts.slice(0, parts.length - 2).join(':'),
      published: parts[parts.length - 2],
      target: parts[parts.length - 1],
      protocol,
    };
  if (parts.length === 2) return { host_ip: '', published: parts[0], target: parts[1], protocol };
  return { host_ip: '', published: '', target: parts[0], protocol };
}

/** A `ports` entry, short (a string or a number) or long (a mapping); null for anything else. */
export function portOf(port: unknown): PortSpec | null {
  if (typeof port === 'object' && port !== null && !Array.isArray(port)) {
    const spec = port as Record<string, unknown>;
    const field = (name: string): string => (typeof spec[name] === 'object' ? '' : textOf(spec[name]));
    return {
      host_ip: field('host_ip'),
      published: field('published'),
      target: field('target'),
      protocol: field('protocol') || 'tcp',
    };
  }
  if (typeof port !== 'string' && typeof port !== 'number') return null;
  return parsePortText(String(port));
}

/** The same, on the tree the merge works on. */
export function parsePort(item: Tree): PortSpec | null {
  if (item.kind === 'map') return portOf(plain(item));
  if (item.kind !== 'scalar' || item.value === null) return null;
  return parsePortText(String(item.value));
}

/** A published port of a service, normalised, with where it is written (`ports.<index>`). */
export interface ComposePort {
  index: number;
  /** '' on every interface (or as written: `0.0.0.0`, `::`). */
  hostIp: string;
  /** '' when Docker picks the host port (`"5432"`, or `"${DB_PORT}:5432"` with the variable unset). */
  published: string;
  target: string;
  protocol: string;
  /** Written in the long syntax (a mapping), not as `[ip:]host:container[/proto]`. */
  long: boolean;
  /** How it reads in a message: the short entry as written, or the long form's fields joined. */
  text: string;
}

/** A service's `ports`, each read as compose reads it; entries that publish nothing are left out. */
export function servicePorts(data: Record<string, unknown>): ComposePort[] {
  return ((data.ports ?? []) as unknown[]).flatMap((port, index): ComposePort[] => {
    const spec = portOf(port);
    if (!spec) return [];
    const long = typeof port === 'object';
    if (!long && !spec.target) return [];
    const { host_ip: hostIp, published, target, protocol } = spec;
    const text = long ? [hostIp, published, target].filter(Boolean).join(':') : textOf(port);
    return [{ index, hostIp, published, target, protocol, long, text }];
  });
}

/** A bind mount of a host path, with where it is written (`volumes.<index>`). */
export interface ComposeBind {
  index: number;
  /** The host path (absolute). */
  source: string;
  readOnly: boolean;
}

/** A service's bind mounts of absolute host paths: short `src:dst[:ro,…]`, long `type: bind`. */
export function serviceBinds(data: Record<string, unknown>): ComposeBind[] {
  return ((data.volumes ?? []) as unknown[]).flatMap((volume, index): ComposeBind[] => {
    if (typeof volume === 'string') {
      const parts = volume.split(':');
      if (parts.length < 2 || !parts[0].startsWith('/')) return [];
      const readOnly = (parts[2] ?? '').split(',').some((mode) => mode === 'ro' || mode === 'readonly');
      return [{ index, source: parts[0], readOnly }];
    }
    const spec = volume as { type?: unknown; source?: unknown; read_only?: unknown } | null;
    const source = textOf(spec?.source);
    if (textOf(spec?.type) !== 'bind' || !source.startsWith('/')) return [];
    return [{ index, source, readOnly: spec?.read_only === true || textOf(spec?.read_only) === 'true' }];
  });
}
