import type Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../util/errors.js';
import type { Engine } from './engine.js';

// Throwaway containers and networks of one run: labelled with the run's id, isolated (no network
// unless asked, limits on memory, CPU and processes, capped logs, no mounts), and always removed —
// by the `finally` of the run, by a signal handler, or by the action's post step sweeping the label.

export const RUN_LABEL = 'org.cs-hardening.run';
export const ROLE_LABEL = 'org.cs-hardening.role';
/** Which target of the run (its scope: `1`, `2`, `1b` for the first one's baseline). */
export const SCOPE_LABEL = 'org.cs-hardening.scope';

export function newRunId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16);
}

export interface Limits {
  memoryBytes: number;
  nanoCpus: number;
  pids: number;
}

export interface ThrowawaySpec {
  role: string;
  image: string;
  /** Replaces the image's ENTRYPOINT (and CMD) when given. */
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  network: string;
  /** More networks to join before it starts (a compose stack's), under the same aliases. */
  moreNetworks?: string[];
  /** Names it answers to on its networks (a compose service's name, so its stack finds it). */
  aliases?: string[];
  limits: Limits;
  readOnlyRoot?: boolean;
  tmpfs?: Record<string, string>;
  dropAllCapabilities?: boolean;
  noNewPrivileges?: boolean;
  /** `host`: sees every process of the machine (the crash-recovery kill), nothing else of it. */
  pidMode?: 'host';
}

export class Throwaways {
  private readonly containers = new Map<string, Docker.Container>();
  private readonly networks = new Map<string, Docker.Network>();
  /** How many containers of each role this run has named: the second is `<role>-2`, and so on. */
  private readonly named = new Map<string, number>();
  private internalNetwork: Promise<Docker.Network> | undefined;

  constructor(
    readonly engine: Engine,
    readonly runId: string,
    /** Keeps the names of targets proven side by side apart. */
    readonly scope = '',
  ) {}

  private get prefix(): string {
    return `cs-hardening-${this.runId}${this.scope ? `-${this.scope}` : ''}`;
  }

  /**
   * A name no other container of this run has had: one-shot helpers of a role (the socket reader
   * of the service and of the hardened run, polled side by side) run concurrently, and a name
   * is not free again until the engine has finished removing its last holder.
   */
  private nameFor(role: string): string {
    const count = (this.named.get(role) ?? 0) + 1;
    this.named.set(role, count);
    return `${this.prefix}-${role}${count > 1 ? `-${count}` : ''}`;
  }

  async create(spec: ThrowawaySpec): Promise<Docker.Container> {
    const container = await this.engine.createContainer({
      Image: spec.image,
      name: this.nameFor(spec.role),
      Labels: { [RUN_LABEL]: this.runId, [ROLE_LABEL]: spec.role, [SCOPE_LABEL]: this.scope },
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint, Cmd: spec.cmd ?? [] } : {}),
      ...(spec.env ? { Env: spec.env } : {}),
      // Docker's own health check would run during idle sampling; readiness is probed by us.
      Healthcheck: { Test: ['NONE'] },
      AttachStdout: false,
      AttachStderr: false,
      HostConfig: {
        NetworkMode: spec.network,
        Memory: spec.limits.memoryBytes,
        MemorySwap: spec.limits.memoryBytes,
        NanoCpus: spec.limits.nanoCpus,
        PidsLimit: spec.limits.pids,
        // An app that prints megabytes of logs must not fill the disk; we read only the tail.
        LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
        ReadonlyRootfs: spec.readOnlyRoot ?? false,
        ...(spec.tmpfs ? { Tmpfs: spec.tmpfs } : {}),
        ...(spec.dropAllCapabilities ? { CapDrop: ['ALL'] } : {}),
        ...(spec.noNewPrivileges ? { SecurityOpt: ['no-new-privileges'] } : {}),
        ...(spec.pidMode ? { PidMode: spec.pidMode } : {}),
      },
      ...(spec.aliases ? { NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: spec.aliases } } } } : {}),
    });
    this.containers.set(container.id, container);
    for (const network of spec.moreNetworks ?? [])
      await this.engine
        .getNetwork(network)
        .connect({ Container: container.id, EndpointConfig: spec.aliases ? { Aliases: spec.aliases } : {} });
    return container;
  }

  /**
   * A bridge network with no route out (internal), for probing a port from the host: created once,
   * on first need, and connected to the container (which may already run, on network none).
   */
  async connectInternalNetwork(container: Docker.Container, attached: string[]): Promise<void> {
    // One creation shared by concurrent callers: the engine allows two networks of the same name,
    // and a second one made by a racing caller would leak.
    this.internalNetwork ??= this.engine
      .createNetwork({
        Name: this.prefix,
        Internal: true,
        Labels: { [RUN_LABEL]: this.runId, [SCOPE_LABEL]: this.scope },
      })
      .then((network) => {
        this.networks.set(network.id, network);
        return network;
      });
    const network = await this.internalNetwork;
    // A container on network none must leave it first: none cannot be combined with another network.
    if (attached.includes('none'))
      await this.engine.getNetwork('none').disconnect({ Container: container.id, Force: true });
    await network.connect({ Container: container.id });
  }

  /** Removes one container now (force, with its anonymous volumes). */
  async remove(container: Docker.Container): Promise<void> {
    this.containers.delete(container.id);
    await removeQuietly(container);
  }

  private removal: Promise<string[]> = Promise.resolve([]);

  /**
   * Removes everything this run created; safe to call more than once, and from an abort handler
   * while the run unwinds: calls queue behind each other, so a later caller waits for an earlier
   * removal to finish instead of returning while containers still exist.
   */
  removeAll(): Promise<string[]> {
    this.removal = this.removal.then(() => this.removeNow());
    return this.removal;
  }

  private async removeNow(): Promise<string[]> {
    const problems: string[] = [];
    const containers = [...this.containers.values()];
    this.containers.clear();
    await Promise.all(
      containers.map(async (container) => {
        const problem = await removeQuietly(container);
        if (problem) problems.push(problem);
      }),
    );
    for (const [name, network] of this.networks) {
      this.networks.delete(name);
      try {
        await network.remove();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404)
          problems.push(`network ${name}: ${errorMessage(error)}`);
      }
    }
    return problems;
  }
}

async function removeQuietly(container: Docker.Container): Promise<string | null> {
  try {
    await container.remove({ force: true, v: true });
    return null;
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    // 404: already gone.
    if (status === 404) return null;
    // 409: another removal is under way (the run's and an abort handler's): the container still
    // exists until that one ends, and "nothing left behind" must be true when this returns.
    if (status === 409)
      return (await goneWithin(container, 15_000))
        ? null
        : `container ${container.id.slice(0, 12)}: still there 15 s after its removal began`;
    return `container ${container.id.slice(0, 12)}: ${errorMessage(error)}`;
  }
}

async function goneWithin(container: Docker.Container, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      await container.inspect();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return true;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return false;
}

/** Removes every container, network and volume labelled with this run id (the post step's sweep). */
export async function sweepRun(engine: Engine, runId: string): Promise<number> {
  // Our own throwaways carry the run label, whatever target of the run made them. A compose
  // bring-up's resources carry their project's label instead: `cs-hardening-<run>` or, one per
  // stack, `cs-hardening-<run>-<scope>`.
  let removed = await sweepLabel(engine, `${RUN_LABEL}=${runId}`);
  const projects = new Set<string>();
  const filters = JSON.stringify({ label: ['com.docker.compose.project'] });
  for (const info of await engine.listContainers({ all: true, filters }))
    projects.add(info.Labels['com.docker.compose.project'] ?? '');
  for (const info of await engine.listNetworks({ filters }))
    projects.add(info.Labels?.['com.docker.compose.project'] ?? '');
  for (const volume of (await engine.listVolumes({ filters })).Volumes ?? [])
    projects.add(volume.Labels?.['com.docker.compose.project'] ?? '');
  const ours = composeProjectPattern(runId);
  for (const project of projects)
    if (ours.test(project)) removed += await sweepLabel(engine, `com.docker.compose.project=${project}`);
  return removed;
}

/** The compose projects of a run: `cs-hardening-<run>`, `cs-hardening-<run>-<scope>`. */
export function composeProjectPattern(runId: string): RegExp {
  // Scopes of a target's platforms carry hyphens of their own (`1-linux-arm64`).
  return new RegExp(`^cs-hardening-${runId}(-[0-9a-z][0-9a-z-]*)?$`);
}

async function sweepLabel(engine: Engine, label: string): Promise<number> {
  const filters = JSON.stringify({ label: [label] });
  let removed = 0;
  for (const info of await engine.listContainers({ all: true, filters })) {
    await removeQuietly(engine.getContainer(info.Id));
    removed++;
  }
  for (const info of await engine.listNetworks({ filters })) {
    await engine
      .getNetwork(info.Id)
      .remove()
      .catch(() => undefined);
    removed++;
  }
  const volumes = await engine.listVolumes({ filters });
  for (const volume of volumes.Volumes ?? []) {
    await engine
      .getVolume(volume.Name)
      .remove()
      .catch(() => undefined);
    removed++;
  }
  return removed;
}
