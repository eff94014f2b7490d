// What a service that exited at start was waiting for, read from its last log lines: a
// connection refused (nothing listens at that address), a host name that does not resolve (no
// such service on its network), a network it cannot reach. Each runtime writes these in its own
// words; the patterns below are the words of the usual clients (libpq, redis-py, Node's net,
// Go's net, Java's, curl, Python's socket), each carrying the host and port when it names them.

export type WaitKind = 'refused' | 'unresolved' | 'unreachable';

export interface WaitRecord {
  kind: WaitKind;
  /** The host it tried, when the line names it. */
  host: string | null;
  port: number | null;
  /** The log line that says so (trimmed, at most 300 characters). */
  line: string;
}

/** What listens on the well-known ports, for a message a user recognises. */
const WELL_KNOWN: Record<number, string> = {
  5432: 'PostgreSQL',
  3306: 'MySQL',
  6379: 'Redis',
  27017: 'MongoDB',
  5672: 'RabbitMQ',
  9200: 'Elasticsearch',
  11211: 'memcached',
  2181: 'ZooKeeper',
  9092: 'Kafka',
  4222: 'NATS',
  1433: 'SQL Server',
};

export function wellKnownPort(port: number | null): string | null {
  return port === null ? null : (WELL_KNOWN[port] ?? null);
}

const HOST = String.raw`[A-Za-z0-9_.:\[\]-]+`;

interface Pattern {
  kind: WaitKind;
  /** Whether the line is of this kind at all. */
  test: RegExp;
  /** Where host and port are: tried in order, the first that matches wins. */
  address: RegExp[];
}

const PATTERNS: Pattern[] = [
  {
    kind: 'unresolved',
    test: /ENOTFOUND|EAI_AGAIN|Name or service not known|nodename nor servname|no such host|Temporary failure in name resolution|could not translate host name|Could not resolve host|UnknownHostException|getaddrinfo failed|Name does not resolve|Unknown host/i,
    address: [
      // psycopg/libpq: could not translate host name "db" to address
      /host name "([^"]+)"/i,
      // Node: getaddrinfo ENOTFOUND redis / EAI_AGAIN redis
      new RegExp(String.raw`(?:ENOTFOUND|EAI_AGAIN)\s+(${HOST})`),
      // Go: dial tcp: lookup db on 127.0.0.11:53: no such host
      /lookup ([A-Za-z0-9_.-]+)(?: on \S+)?: no such host/,
      // redis-py: Error -2 connecting to redis:6379. Name or service not known.
      new RegExp(String.raw`connecting to (${HOST}?):(\d+)`),
      // curl: Could not resolve host: api
      new RegExp(String.raw`resolve host:?\s+(${HOST})`, 'i'),
      // Java: java.net.UnknownHostException: db
      new RegExp(String.raw`UnknownHostException:\s*(${HOST})`),
    ],
  },
  {
    kind: 'refused',
    test: /ECONNREFUSED|Connection refused|connection was refused|actively refused|ConnectException/i,
    address: [
      // libpq ≥ 14: connection to server at "localhost" (127.0.0.1), port 5432 failed
      /server at "([^"]+)"[^,]*, port (\d+)/i,
      // libpq < 14: Is the server running on host "db" (172.18.0.2) and accepting TCP/IP connections on port 5432?
      /on host "([^"]+)"[^?]*?port (\d+)/i,
      // Node: connect ECONNREFUSED 127.0.0.1:5432
      /ECONNREFUSED\s+\[?([0-9A-Fa-f:.]+)\]?:(\d+)/,
      // redis-py: Error 111 connecting to localhost:6379. Connection refused.
      new RegExp(String.raw`connecting to (${HOST}?):(\d+)`),
      // Go: dial tcp 127.0.0.1:6379: connect: connection refused
      /dial tcp \[?([0-9A-Za-z_.:-]+?)\]?:(\d+)/,
      // Many clients: Connection refused (localhost:8080), to host:port
      new RegExp(String.raw`(?:to|at)\s+\[?(${HOST}?)\]?:(\d+)`),
    ],
  },
  {
    kind: 'unreachable',
    test: /ENETUNREACH|EHOSTUNREACH|Network is unreachable|No route to host/i,
    address: [
      /(?:ENETUNREACH|EHOSTUNREACH)\s+\[?([0-9A-Fa-f:.]+)\]?:(\d+)/,
      /dial tcp \[?([0-9A-Za-z_.:-]+?)\]?:(\d+)/,
      new RegExp(String.raw`connecting to (${HOST}?):(\d+)`),
      new RegExp(String.raw`(?:to|at)\s+\[?(${HOST}?)\]?:(\d+)`),
    ],
  },
];

/**
 * Every distinct dependency the log says the service could not reach, in the order first seen.
 * Lines of a stack trace repeat the same address: each kind, host and port is kept once.
 */
export function waitingFor(logTail: string): WaitRecord[] {
  const found: WaitRecord[] = [];
  const seen = new Set<string>();
  for (const raw of logTail.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const pattern = PATTERNS.find((candidate) => candidate.test.test(line));
    if (!pattern) continue;
    const { host, port } = addressIn(line, pattern.address);
    const key = `${pattern.kind} ${host ?? ''} ${port ?? ''}`;
    // A line that names no address adds nothing once one of its kind is known.
    if (seen.has(key) || (host === null && found.some((record) => record.kind === pattern.kind))) continue;
    seen.add(key);
    found.push({ kind: pattern.kind, host, port, line: line.slice(0, 300) });
  }
  // A vaguer record (no host) of a kind that later got an address says nothing more.
  return found
    .filter(
      (record) =>
        record.host !== null || !found.some((other) => other !== record && other.kind === record.kind && other.host),
    )
    .map((record) =>
      record.host !== null && record.port === null ? { ...record, port: portOf(record.host, logTail) } : record,
    );
}

/**
 * The port a host is wanted at, where the line that failed names only the host (Node's
 * `getaddrinfo ENOTFOUND mongo`, libpq's `could not translate host name "db"`): the first
 * `host:port` elsewhere in the log — the URL it printed, its client's description of the server.
 */
function portOf(host: string, logTail: string): number | null {
  const escaped = host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(String.raw`(?<![A-Za-z0-9_.-])${escaped}:(\d{1,5})(?!\d)`).exec(logTail);
  const port = match ? Number(match[1]) : null;
  return port !== null && port > 0 && port < 65536 ? port : null;
}

function addressIn(line: string, patterns: RegExp[]): { host: string | null; port: number | null } {
  for (const pattern of patterns) {
    const match = pattern.exec(line);
    if (!match) continue;
    const host = match[1]?.replace(/[.,;]+$/, '') || null;
    const port = match[2] ? Number(match[2]) : null;
    return { host, port: port !== null && Number.isFinite(port) ? port : null };
  }
  return { host: null, port: null };
}

/** "connection refused at localhost:5432 (PostgreSQL's port)", "host name db does not resolve". */
export function describeWait(record: WaitRecord): string {
  const address = record.host ? `${record.host}${record.port !== null ? `:${record.port}` : ''}` : null;
  const known = wellKnownPort(record.port);
  const what = known ? ` (${known}'s port)` : '';
  if (record.kind === 'unresolved') {
    if (!record.host) return 'a host name does not resolve';
    const wanted = record.port !== null ? ` (wanted at ${address}${known ? `, ${known}'s port` : ''})` : '';
    return `the host name ${record.host} does not resolve${wanted}`;
  }
  if (record.kind === 'unreachable')
    return address ? `no route to ${address}${what} (no network)` : 'no network route to its dependency';
  return address ? `connection refused at ${address}${what}` : 'a connection was refused';
}
