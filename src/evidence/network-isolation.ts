import type { Engine } from '../docker/engine.js';
import { demux } from '../docker/logs.js';
import { errorMessage } from '../util/errors.js';
import type { Throwaways } from '../docker/throwaway.js';

// Network isolation, read from inside each running service's network namespace: a helper joins it
// (`--network container:<id>`) and reads the kernel's routing tables and listening sockets
// (/proc/net/route, ipv6_route, tcp, tcp6), sending no traffic anywhere. A service whose every
// network the engine reports as internal must have no default route (Engine 25 and later give an
// internal network no gateway; before, its containers keep a default route to its own bridge and
// the engine's firewall drops what leaves the subnet, which cannot be read from inside: each
// route is recorded with the network whose gateway it goes through); the ports a service
// publishes on every host interface are listed with whether anything listens behind them.

export interface PublishedPort {
  /** `0.0.0.0:8080` as the engine bound it. */
  host: string;
  /** `8080/tcp` in the container. */
  container: string;
  /** Something in the container listens on it (its TCP sockets in LISTEN); null for UDP. */
  listening: boolean | null;
}

export interface DefaultRoute {
  /** `via 172.18.0.1 (eth0)` */
  route: string;
  gateway: string;
  /** The service's network whose gateway it is (null: none of them). */
  network: string | null;
  /** That network is internal: the way out ends at its bridge, where the engine drops it. */
  internal: boolean;
}

export interface NetworkIsolation {
  service: string;
  /** Its networks as the engine reports them, with whether each is internal. */
  networks: { name: string; internal: boolean }[];
  /** The default routes in its namespace; empty: no way out. */
  defaultRoutes: DefaultRoute[];
  /** Ports published on every host interface. */
  publishedEverywhere: PublishedPort[];
  /** Why its namespace could not be read, when it could not. */
  error: string | null;
}

interface Inspected {
  State: { Running: boolean };
  HostConfig: { NetworkMode?: string };
  NetworkSettings: {
    Networks?: Record<string, { Gateway?: string; IPv6Gateway?: string }>;
    Ports?: Record<string, { HostIp: string; HostPort: string }[] | null>;
  };
}

export interface IsolationOptions {
  engine: Engine;
  throwaways: Throwaways;
  helperImage: string;
  containers: { id: string; service: string }[];
  signal?: AbortSignal;
}

export async function readNetworkIsolation(options: IsolationOptions): Promise<NetworkIsolation[]> {
  const internal = new Map<string, boolean>();
  const isInternal = async (name: string): Promise<boolean> => {
    if (!internal.has(name))
      internal.set(
        name,
        await options.engine
          .getNetwork(name)
          .inspect()
          .then((network: { Internal?: boolean }) => network.Internal === true)
          .catch(() => false),
      );
    return internal.get(name)!;
  };
  const results: NetworkIsolation[] = [];
  for (const { id, service } of options.containers) {
    options.signal?.throwIfAborted();
    const inspected = (await options.engine
      .getContainer(id)
      .inspect()
      .catch(() => null)) as unknown as Inspected | null;
    if (!inspected?.State.Running) continue;
    const mode = inspected.HostConfig.NetworkMode ?? '';
    if (mode.startsWith('container:') || mode === 'host') {
      // Another container's namespace (compose's `network_mode: service:X`), or the host's: it is
      // judged there, not here.
      results.push({
        service,
        networks: [],
        defaultRoutes: [],
        publishedEverywhere: [],
        error:
          mode === 'host'
            ? "it runs in the host's network namespace (network_mode: host): it is not isolated at all"
            : `it shares the network namespace of container ${mode.slice('container:'.length, 'container:'.length + 12)} (network_mode: service:…): judged with that service`,
      });
      continue;
    }
    const attached = inspected.NetworkSettings.Networks ?? {};
    const networks = [];
    for (const name of Object.keys(attached)) networks.push({ name, internal: await isInternal(name) });
    const read = await readNamespace(options, id);
    const published = publishedEverywhere(inspected.NetworkSettings.Ports ?? {}, read.listening);
    const owner = (gateway: string): string | null =>
      Object.entries(attached).find(
        ([, settings]) =>
          gateway !== '' && (settings.Gateway === gateway || expandV6(settings.IPv6Gateway) === gateway),
      )?.[0] ?? null;
    results.push({
      service,
      networks,
      defaultRoutes: (read.text === null ? [] : defaultRoutes(read.text)).map(({ route, gateway }) => {
        const network = owner(gateway);
        return { route, gateway, network, internal: network !== null && internal.get(network) === true };
      }),
      publishedEverywhere: published,
      error: read.error,
    });
  }
  return results;
}

/** The kernel's tables as the namespace sees them, read by a helper joined to it. */
async function readNamespace(
  options: IsolationOptions,
  id: string,
): Promise<{ text: string | null; listening: Set<number>; error: string | null }> {
  let helper;
  try {
    helper = await options.throwaways.create({
      role: 'netns',
      image: options.helperImage,
      entrypoint: [
        'sh',
        '-c',
        'for f in route ipv6_route tcp tcp6; do echo "== $f"; cat /proc/net/$f 2>/dev/null; done',
      ],
      network: `container:${id}`,
      limits: { memoryBytes: 64 * 1024 ** 2, nanoCpus: 0.5e9, pids: 16 },
    });
  } catch (error) {
    return { text: null, listening: new Set(), error: errorMessage(error).split('\n')[0] };
  }
  try {
    await helper.start();
    const { StatusCode } = (await helper.wait()) as { StatusCode: number };
    const raw = await helper.logs({ stdout: true, stderr: true, follow: false });
    const text = demux(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    if (StatusCode !== 0) return { text: null, listening: new Set(), error: `the helper exited ${StatusCode}` };
    return { text, listening: listeningPorts(text), error: null };
  } catch (error) {
    return { text: null, listening: new Set(), error: (error as Error).message.split('\n')[0] };
  } finally {
    await options.throwaways.remove(helper);
  }
}

function section(text: string, name: string): string[] {
  const start = text.indexOf(`== ${name}\n`);
  if (start < 0) return [];
  const body = text.slice(start + name.length + 4);
  const end = body.indexOf('\n== ');
  return (end < 0 ? body : body.slice(0, end)).split('\n').filter((line) => line.trim() !== '');
}

/** Little-endian hex, as /proc/net/route writes an IPv4 address. */
const ipv4 = (hex: string): string =>
  [0, 2, 4, 6]
    .map((at) => parseInt(hex.slice(at, at + 2), 16))
    .reverse()
    .join('.');

/** Default routes out of the namespace, IPv4 and IPv6 (loopback and reject routes are not a way out). */
export function defaultRoutes(text: string): { route: string; gateway: string }[] {
  const routes: { route: string; gateway: string }[] = [];
  for (const line of section(text, 'route').slice(1)) {
    const [iface, destination, gateway, , , , , mask] = line.trim().split(/\s+/);
    if (destination === '00000000' && mask === '00000000' && iface !== 'lo')
      routes.push({ route: `via ${ipv4(gateway)} (${iface})`, gateway: ipv4(gateway) });
  }
  for (const line of section(text, 'ipv6_route')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [destination, prefix, , , nextHop, , , , flags, iface] = fields;
    const reject = (parseInt(flags, 16) & 0x0200) !== 0;
    if (/^0{32}$/.test(destination) && prefix === '00' && iface !== 'lo' && !reject) {
      const gateway = nextHop.replace(/(.{4})(?!$)/g, '$1:');
      routes.push({ route: `via ${gateway} (${iface}, IPv6)`, gateway });
    }
  }
  return routes;
}

/** An IPv6 address written in full (eight groups of four hex digits), as ipv6_route writes it. */
function expandV6(address: string | undefined): string {
  if (!address) return '';
  const [head, tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return groups.map((group) => group.padStart(4, '0')).join(':');
}

/** Local ports of the namespace's TCP sockets in LISTEN (state 0A). */
export function listeningPorts(text: string): Set<number> {
  const ports = new Set<number>();
  for (const name of ['tcp', 'tcp6'])
    for (const line of section(text, name).slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A') ports.add(parseInt(fields[1].split(':').pop() ?? '', 16));
    }
  return ports;
}

function publishedEverywhere(
  ports: Record<string, { HostIp: string; HostPort: string }[] | null>,
  listening: Set<number>,
): PublishedPort[] {
  const published: PublishedPort[] = [];
  for (const [container, bindings] of Object.entries(ports))
    for (const binding of bindings ?? []) {
      if (!['', '0.0.0.0', '::'].includes(binding.HostIp)) continue;
      const [port, protocol] = container.split('/');
      published.push({
        host: `${binding.HostIp === '::' ? '[::]' : binding.HostIp || '0.0.0.0'}:${binding.HostPort}`,
        container,
        listening: protocol === 'tcp' ? listening.has(Number(port)) : null,
      });
    }
  return published;
}
