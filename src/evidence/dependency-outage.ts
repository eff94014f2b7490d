import type { Engine } from '../docker/engine.js';
import { execIn } from '../docker/exec.js';
import { round } from '../util/format.js';
import { textOf } from '../util/text.js';
import type { ComposeService } from './compose.js';
import { healthArgv } from './image.js';

// A dependency outage, measured on the running stack: each dependency D that a service S with a
// health check declares (depends_on) or points its environment at (`postgresql://…@postgres:5432`,
// `DB_HOST=postgres`) is stopped, and S's own probe — exec'd in S as Docker runs it, every 0.5 s
// rather than at Docker's interval — is watched: does it fail, and how soon; then D is started
// again and S's probe must pass again, without S having been restarted. One outage per dependency,
// every dependent watched at once; outages that share no service, even through a chain of
// dependencies, run at the same time, and the others one after another, so a failing probe is
// about the dependency that is down. Each probe is given what Docker would allow: interval ×
// retries + timeout.

export interface DependencyPair {
  service: string;
  dependency: string;
  /** How S names D: a `depends_on` entry, or a variable of its environment (its name). */
  via: string;
}

export type OutageOutcome =
  /** Its probe failed while D was down and passed again once D was back, S not restarted. */
  | 'noticed and recovered'
  /** Its probe kept passing with D down for the whole window. */
  | 'not noticed'
  /** Its probe noticed, and still failed a whole window after D was back. */
  | 'not recovered'
  /** S was restarted during the outage (it exited): it came back through its restart policy only. */
  | 'restarted'
  /** Its probe did not pass before the outage: nothing to compare. */
  | 'not healthy before'
  /** D did not run again after it was started: S's recovery could not be judged. */
  | 'dependency not back';

export interface DependencyOutage extends DependencyPair {
  outcome: OutageOutcome;
  /** Seconds from D stopped to S's first failing probe. */
  noticedAfter: number | null;
  /** Seconds from D running (and healthy, when it has a health check) again to S's probe passing. */
  recoveredAfter: number | null;
  /** How long S's probe was watched each way: its interval × retries + timeout. */
  windowSeconds: number;
  /** How long D was down (stopped to back). */
  downSeconds: number;
}

const NS = 1e9;
const PROBE_EVERY_MS = 500;
const STOP_SECONDS = 10;

interface Health {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** What Docker allows between a probe starting to fail and the container being unhealthy. */
export function outageWindow(health: Health): number {
  const interval = (health.Interval || 30 * NS) / NS;
  const timeout = (health.Timeout || 30 * NS) / NS;
  return Math.ceil(interval * (health.Retries || 3) + timeout);
}

/**
 * The pairs to prove: D named in S's depends_on, or as a host in one of S's environment values
 * (`@D:`, `//D:`, `//D/`, `D:port`, or the whole value of a `…HOST`/`…ADDR` variable). A service
 * that is not in the stack's services is not a pair (a host outside the stack).
 */
export function dependencyPairs(services: ComposeService[]): DependencyPair[] {
  const names = new Set(services.map((service) => service.name));
  const pairs: DependencyPair[] = [];
  for (const service of services) {
    const found = new Map<string, string>();
    const depends = service.data.depends_on;
    const declared = Array.isArray(depends)
      ? (depends as string[])
      : depends && typeof depends === 'object'
        ? Object.keys(depends)
        : [];
    for (const name of declared) if (names.has(name)) found.set(name, 'depends_on');
    for (const [variable, value] of Object.entries(environmentOf(service))) {
      for (const name of names) {
        if (name === service.name || found.has(name)) continue;
        if (pointsAt(variable, value, name)) found.set(name, variable);
      }
    }
    for (const [dependency, via] of found) pairs.push({ service: service.name, dependency, via });
  }
  return pairs;
}

/** A service's environment as compose resolved it (a list or a map in the file). */
export function environmentOf(service: ComposeService): Record<string, string> {
  const environment = service.data.environment;
  if (Array.isArray(environment))
    return Object.fromEntries(
      (environment as string[]).map((entry) => {
        const at = String(entry).indexOf('=');
        return at < 0 ? [String(entry), ''] : [String(entry).slice(0, at), String(entry).slice(at + 1)];
      }),
    );
  if (environment && typeof environment === 'object')
    return Object.fromEntries(
      Object.entries(environment as Record<string, unknown>).map(([name, value]) => [name, textOf(value)]),
    );
  return {};
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function pointsAt(variable: string, value: string, host: string): boolean {
  if (/(?:HOST|HOSTNAME|ADDR|ADDRESS|SERVER)$/i.test(variable) && value.trim() === host) return true;
  const name = escape(host);
  return new RegExp(`(?:@|//)${name}(?=[:/?]|$)|(?:^|[\\s,=;])${name}:\\d{2,5}(?![\\w.-])`).test(value);
}

interface Inspected {
  State: { Running: boolean; StartedAt: string };
  RestartCount?: number;
  Config: { Healthcheck?: Health };
}

export interface OutageOptions {
  engine: Engine;
  pairs: DependencyPair[];
  /** Service → its running containers (several when it is scaled: an outage stops them all). */
  containers: Record<string, string[]>;
  info?: (message: string) => void;
  signal?: AbortSignal;
}

export async function proveDependencyOutages(options: OutageOptions): Promise<DependencyOutage[]> {
  const groups: { dependency: string; dependencyIds: string[]; watched: Watched[] }[] = [];
  for (const dependency of [...new Set(options.pairs.map((pair) => pair.dependency))]) {
    const dependencyIds = options.containers[dependency] ?? [];
    if (dependencyIds.length === 0) continue;
    const watched: Watched[] = [];
    for (const pair of options.pairs.filter((candidate) => candidate.dependency === dependency)) {
      const id = options.containers[pair.service]?.[0];
      if (!id) continue;
      const inspected = (await options.engine.getContainer(id).inspect()) as unknown as Inspected;
      const health = inspected.Config.Healthcheck;
      const argv = health?.Test ? healthArgv(health.Test) : null;
      if (!argv || !inspected.State.Running) continue;
      watched.push({ pair, id, argv, health: health!, before: inspected });
    }
    if (watched.length > 0) groups.push({ dependency, dependencyIds, watched });
  }
  const results: DependencyOutage[] = [];
  for (const wave of outageWaves(
    options.pairs,
    groups.map((group) => ({
      dependency: group.dependency,
      dependents: group.watched.map((entry) => entry.pair.service),
    })),
  )) {
    options.signal?.throwIfAborted();
    const outcomes = await Promise.all(
      groups
        .filter((group) => wave.includes(group.dependency))
        .map((group) => outage(options, group.dependency, group.dependencyIds, group.watched)),
    );
    results.push(...outcomes.flat());
  }
  return results;
}

/**
 * Dependencies whose outages can run at once: none of them is, or leads to, a service another
 * one's outage stops or watches (transitively: web → api → db makes db's outage web's too). The
 * example stack's PostgreSQL (watched by the app) and Redis (by the worker) go down together;
 * a service that depends on both has them one after the other.
 */
export function outageWaves(
  pairs: DependencyPair[],
  groups: { dependency: string; dependents: string[] }[],
): string[][] {
  const closure = (service: string, seen = new Set<string>()): Set<string> => {
    for (const pair of pairs)
      if (pair.service === service && !seen.has(pair.dependency)) {
        seen.add(pair.dependency);
        closure(pair.dependency, seen);
      }
    return seen;
  };
  const involved = new Map(
    groups.map((group) => {
      const services = new Set<string>([group.dependency, ...closure(group.dependency), ...group.dependents]);
      for (const dependent of group.dependents) for (const name of closure(dependent)) services.add(name);
      return [group.dependency, services] as const;
    }),
  );
  const conflict = (a: string, b: string): boolean => {
    const first = involved.get(a)!;
    const second = involved.get(b)!;
    return [...first].some((name) => second.has(name));
  };
  const waves: string[][] = [];
  for (const { dependency } of groups) {
    const wave = waves.find((candidate) => candidate.every((other) => !conflict(dependency, other)));
    if (wave) wave.push(dependency);
    else waves.push([dependency]);
  }
  return waves;
}

interface Watched {
  pair: DependencyPair;
  id: string;
  argv: string[];
  health: Health;
  before: Inspected;
}

async function outage(
  options: OutageOptions,
  dependency: string,
  dependencyIds: string[],
  watched: Watched[],
): Promise<DependencyOutage[]> {
  const { engine, signal } = options;
  const probe = (entry: Watched): Promise<boolean> =>
    execIn(engine.getContainer(entry.id), entry.argv, (entry.health.Timeout || 30 * NS) / 1e6).then(
      (result) => result.exitCode === 0,
    );
  // As each dependent is now: an earlier outage may have started one of them again (a chain).
  for (const entry of watched)
    entry.before =
      (await engine
        .getContainer(entry.id)
        .inspect()
        .catch(() => entry.before)) ?? entry.before;
  const healthyBefore = await Promise.all(watched.map(probe));
  const results = new Map<Watched, DependencyOutage>();
  const base = (entry: Watched) => ({
    ...entry.pair,
    noticedAfter: null,
    recoveredAfter: null,
    windowSeconds: outageWindow(entry.health),
    downSeconds: 0,
  });
  watched.forEach((entry, index) => {
    if (!healthyBefore[index]) results.set(entry, { ...base(entry), outcome: 'not healthy before' });
  });
  const live = watched.filter((entry) => !results.has(entry));
  if (live.length === 0) return watched.map((entry) => results.get(entry)!);

  const containers = dependencyIds.map((id) => engine.getContainer(id));
  options.info?.(
    `dependency outage: stopping ${dependency}, watching ${live.map((entry) => entry.pair.service).join(', ')}`,
  );
  // A stop can take its whole grace period (a PID 1 that ignores SIGTERM): cancelled, the run
  // does not wait for it, the stack's removal ends it.
  await untilAborted(
    Promise.all(containers.map((container) => container.stop({ t: STOP_SECONDS }).catch(() => undefined))),
    signal,
  );
  signal?.throwIfAborted();
  const stoppedAt = performance.now();
  const since = (from: number): number => round((performance.now() - from) / 1000);
  let noticed: (number | null)[];
  try {
    noticed = await Promise.all(
      live.map((entry) => firstOutcome(() => probe(entry), false, outageWindow(entry.health), signal)),
    );
  } finally {
    // Back whatever happens, the stack left as it was found; cancelled, it is taken down at once.
    if (!signal?.aborted) await Promise.all(containers.map((container) => container.start().catch(() => undefined)));
  }
  const dependencyBack = (await Promise.all(dependencyIds.map((id) => backAgain(engine, id, signal)))).every(Boolean);
  const downSeconds = since(stoppedAt);
  const backAt = performance.now();
  const recovered = dependencyBack
    ? await Promise.all(
        live.map((entry, index) =>
          noticed[index] === null
            ? Promise.resolve(null)
            : firstOutcome(() => probe(entry), true, outageWindow(entry.health), signal),
        ),
      )
    : live.map(() => null);
  for (const [index, entry] of live.entries()) {
    const after = (await engine
      .getContainer(entry.id)
      .inspect()
      .catch(() => null)) as unknown as Inspected | null;
    const restarted =
      !after ||
      after.State.StartedAt !== entry.before.State.StartedAt ||
      (after.RestartCount ?? 0) !== (entry.before.RestartCount ?? 0);
    const noticedAfter = noticed[index] === null ? null : round((noticed[index] - stoppedAt) / 1000);
    const recoveredAfter = recovered[index] === null ? null : round((recovered[index] - backAt) / 1000);
    const outcome: OutageOutcome = restarted
      ? 'restarted'
      : noticedAfter === null
        ? 'not noticed'
        : !dependencyBack
          ? 'dependency not back'
          : recoveredAfter === null
            ? 'not recovered'
            : 'noticed and recovered';
    results.set(entry, { ...base(entry), outcome, noticedAfter, recoveredAfter, downSeconds });
  }
  return watched.map((entry) => results.get(entry)!);
}

/** The work, or the cancellation, whichever comes first. */
function untilAborted(work: Promise<unknown>, signal?: AbortSignal): Promise<unknown> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    void work.finally(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(undefined);
    });
  });
}

/** When the probe first gave `wanted` (a performance.now() time), or null within `seconds`. */
async function firstOutcome(
  probe: () => Promise<boolean>,
  wanted: boolean,
  seconds: number,
  signal?: AbortSignal,
): Promise<number | null> {
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    signal?.throwIfAborted();
    const started = performance.now();
    // When the probe that gave it ended: what Docker would have recorded.
    if ((await probe()) === wanted) return performance.now();
    await new Promise((done) => setTimeout(done, Math.max(0, PROBE_EVERY_MS - (performance.now() - started))));
  }
  return null;
}

/** D running again, and passing its own probe when it has one (what its dependents wait for). */
async function backAgain(engine: Engine, id: string, signal?: AbortSignal): Promise<boolean> {
  const container = engine.getContainer(id);
  const inspected = (await container.inspect().catch(() => null)) as unknown as Inspected | null;
  if (!inspected?.State.Running) return false;
  const health = inspected.Config.Healthcheck;
  const argv = health?.Test ? healthArgv(health.Test) : null;
  if (!argv) return true;
  const timeoutMs = (health!.Timeout || 30 * NS) / 1e6;
  const passed = await firstOutcome(
    () => execIn(container, argv, timeoutMs).then((result) => result.exitCode === 0),
    true,
    outageWindow(health!) + (health!.StartPeriod || 0) / NS,
    signal,
  );
  return passed !== null;
}
