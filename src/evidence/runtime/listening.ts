import type { Container } from '../../docker/engine.js';
import { readFile } from 'node:fs/promises';
import type { Throwaways, ThrowawaySpec } from '../../docker/throwaway.js';
import { runOneShot } from './one-shot.js';

// The TCP ports a container listens on, read from its own network namespace's socket tables
// (/proc/net/tcp and tcp6), so a service that declares no EXPOSE and no HEALTHCHECK still has a
// readiness to measure. Nothing is sent to the service: a listening socket is in the table from
// the moment the service calls listen(), and that is the moment it can accept a connection.
//
// Two readers: the engine host's /proc/<pid>/net (instant, when this process runs on the engine's
// host and sees the container's PID 1 there, verified by its cgroup naming the container), else a
// helper container of the same image joined to the container's network namespace
// (`--network container:<id>`) that prints the tables with `cat`.

export interface ListeningSocket {
  port: number;
  /** The bound address as the kernel shows it: `0.0.0.0`, `127.0.0.1`, `::`. */
  address: string;
}

/** The LISTEN rows (state 0A) of /proc/net/tcp or tcp6 text, each port once, lowest first. */
export function parseListening(text: string): ListeningSocket[] {
  const found = new Map<number, ListeningSocket>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st …
    if (fields.length < 4 || fields[3] !== '0A') continue;
    const match = /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/.exec(fields[1]);
    if (!match) continue;
    const port = parseInt(match[2], 16);
    const address = decodeAddress(match[1]);
    // One port bound on several addresses: the widest (any address) says the most.
    const known = found.get(port);
    if (!known || (isAny(address) && !isAny(known.address))) found.set(port, { port, address });
  }
  return [...found.values()].sort((a, b) => a.port - b.port);
}

function isAny(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** /proc/net shows addresses as host-order 32-bit words in hex. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)));
  if (bytes.length === 4) return bytes.join('.');
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) reads as its IPv4 address.
  if (bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 255 && bytes[11] === 255)
    return bytes.slice(12).join('.');
  if (bytes.every((byte) => byte === 0)) return '::';
  if (bytes.slice(0, 15).every((byte) => byte === 0) && bytes[15] === 1) return '::1';
  const groups: string[] = [];
  for (let index = 0; index < 16; index += 2) groups.push(((bytes[index] << 8) | bytes[index + 1]).toString(16));
  return groups.join(':');
}

export type ListeningReader = () => Promise<ListeningSocket[] | null>;

/**
 * A reader of the container's listening sockets: null from a reader means "cannot be read" (not
 * "none"), so readiness is then said to be unobservable rather than never reached.
 */
export async function listeningReader(
  container: Container,
  throwaways: Throwaways,
  helper: Omit<ThrowawaySpec, 'role' | 'network'>,
  signal?: AbortSignal,
): Promise<{ read: ListeningReader; how: string } | null> {
  const host = await hostReader(container);
  if (host) return { read: host, how: "the engine host's /proc" };
  return {
    read: helperReader(container, throwaways, helper, signal),
    how: 'a helper container in its network namespace',
  };
}

/**
 * Where the engine's host is not this one (a remote or rootless engine): a container of the same
 * image joined to the container's network namespace prints its socket tables with `cat`. An image
 * without `cat` cannot: the reader then answers null, and readiness is said to be unobservable.
 */
export function helperReader(
  container: Container,
  throwaways: Throwaways,
  helper: Omit<ThrowawaySpec, 'role' | 'network'>,
  signal?: AbortSignal,
): ListeningReader {
  let helperBroken = false;
  const viaHelper: ListeningReader = async () => {
    if (helperBroken) return null;
    const result = await runOneShot(
      throwaways,
      {
        ...helper,
        role: 'listening',
        network: `container:${container.id}`,
        entrypoint: ['cat', '/proc/net/tcp', '/proc/net/tcp6'],
        cmd: [],
        dropAllCapabilities: true,
        noNewPrivileges: true,
      },
      5_000,
      signal,
    );
    // tcp6 is missing where IPv6 is off: cat then exits 1 with the tcp table printed.
    if (result.error || !/local_address/.test(result.output)) {
      helperBroken = true;
      return null;
    }
    return parseListening(result.output);
  };
  return viaHelper;
}

/** The host's /proc/<pid>/net of the container's PID 1, when this process can see it. */
async function hostReader(container: Container): Promise<ListeningReader | null> {
  if (process.platform !== 'linux') return null;
  const state = (await container.inspect()).State;
  const pid = state.Pid;
  if (!state.Running || !pid) return null;
  try {
    // The same PID on this host is the container's only if its cgroup names the container.
    const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8');
    if (!cgroup.includes(container.id)) return null;
    await readFile(`/proc/${pid}/net/tcp`, 'utf8');
  } catch {
    return null;
  }
  return async () => {
    try {
      // Still the container's process: once it has ended, its PID may be another's. Ended, it
      // listens on nothing, which is no reason to call the tables unreadable: the state check that
      // follows says it exited (a null here, read before the engine knew, passed it as running).
      const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
      if (!cgroup.includes(container.id)) return [];
      const tables = await Promise.all(
        ['tcp', 'tcp6'].map((file) => readFile(`/proc/${pid}/net/${file}`, 'utf8').catch(() => '')),
      );
      return parseListening(tables.join('\n'));
    } catch {
      return null;
    }
  };
}
