import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasImage, type Engine } from '../../docker/engine.js';
import { lastLines } from '../../docker/buildx.js';
import { round } from '../../util/format.js';
import { runDocker } from '../../docker/cli.js';
import { NO_DEPENDENCIES, type StackRecord } from './records.js';

// A compose service's image, proven in its stack: most real services cannot start without their
// database or cache, and run alone they would be judged on a crash. Its dependencies (depends_on,
// transitively, as compose starts them) are brought up with their own compose configuration under
// a project of this run (`cs-hardening-<run>-<scope>d`, swept like every compose project of the
// run), and waited for healthy; the measured containers then join the service's networks under
// its name and aliases, with the environment compose would give it. Compose itself resolves the
// files (`docker compose config`: env_file, interpolation, network names), so what runs is what
// `docker compose up` would run. Taken down with its volumes whatever happens.

export interface StackRequest {
  /** `file#service`, repository-relative, as the target names it. */
  key: string;
  service: string;
  absoluteFiles: string[];
  /** `--env-file`s compose must read the variables from, as the check read them (compose-env-file, an example). */
  envFiles?: string[];
  /** An override compose must read last: the committed examples standing in for missing env files, or null. */
  envFileOverride?: string | null;
  /** The environment compose interpolates from: the process's and runtime-env. */
  env: Record<string, string | undefined>;
  timeoutSeconds: number;
}

/** What the measured containers need to run in the stack. */
export interface JoinedStack {
  record: StackRecord;
  /** KEY=VALUE, compose's environment for the service. */
  env: string[];
  networks: string[];
  aliases: string[];
  /** Takes the dependencies down with their volumes (after the measured containers are removed). */
  down(): Promise<void>;
}

export function stackProject(runId: string, scope: string): string {
  return `cs-hardening-${runId}-${scope}d`;
}

export interface ResolvedService {
  image?: string;
  volumes?: { type?: string; [key: string]: unknown }[];
  build?: unknown;
  environment?: Record<string, string | null>;
  networks?: Record<string, { aliases?: string[] } | null>;
  network_mode?: string;
  depends_on?: Record<string, unknown>;
}

export interface ResolvedProject {
  services: Record<string, ResolvedService>;
  networks?: Record<string, { name?: string; external?: boolean }>;
}

/**
 * What keeps a bring-up of the stack to itself: the dependencies publish no host port and take no
 * fixed container name (two targets of a run, or the user's own stack, may run the same), mount
 * none of the project's named volumes (`down -v` would remove a volume named for real data; bind
 * mounts of config files stay), and their networks are named for this project. YAML, for the
 * `!reset`/`!override` tags that drop a value rather than merge into it.
 */
export function isolatingOverride(resolved: ResolvedProject, dependencies: string[]): string {
  const lines = ['services:'];
  for (const name of dependencies) {
    const kept = (resolved.services[name]?.volumes ?? []).filter((volume) => volume.type !== 'volume');
    lines.push(
      `  ${JSON.stringify(name)}:`,
      '    ports: !reset []',
      '    container_name: !reset null',
      `    volumes: !override ${JSON.stringify(kept)}`,
    );
  }
  const own = Object.entries(resolved.networks ?? {}).filter(([, network]) => !network.external);
  if (own.length > 0) {
    lines.push('networks:');
    for (const [key] of own) lines.push(`  ${JSON.stringify(key)}:`, '    name: !reset null');
  }
  return `${lines.join('\n')}\n`;
}

/** The services a service depends on, transitively, nearest first (cycles are compose's to refuse). */
export function dependenciesOf(services: Record<string, ResolvedService>, name: string): string[] {
  const order: string[] = [];
  const visit = (current: string): void => {
    for (const dependency of Object.keys(services[current]?.depends_on ?? {})) {
      if (order.includes(dependency) || dependency === name) continue;
      order.push(dependency);
      visit(dependency);
    }
  };
  visit(name);
  return order;
}

/** The variables compose gives the service, as KEY=VALUE (one without a value stays unset, as in compose). */
export function environmentOf(service: ResolvedService): string[] {
  return Object.entries(service.environment ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== null && entry[1] !== undefined)
    .map(([key, value]) => `${key}=${value}`);
}

export interface StackOptions {
  engine: Engine;
  request: StackRequest;
  runId: string;
  scope: string;
  signal?: AbortSignal;
  info?: (message: string) => void;
}

/**
 * The service's dependencies, up and healthy, and what its measured containers need to join
 * them; or, when that cannot be, a record that says why (the containers then run alone).
 */
export async function joinStack(options: StackOptions): Promise<JoinedStack> {
  const { request, engine } = options;
  const project = stackProject(options.runId, options.scope);
  const dir = await mkdtemp(join(tmpdir(), 'cs-hardening-deps-'));
  // Compose reads the files and env files the check read (the examples standing in, when asked).
  const standIns = request.envFileOverride ? [join(dir, 'env-files.yaml')] : [];
  if (request.envFileOverride) await writeFile(standIns[0], request.envFileOverride);
  const base = [
    'compose',
    '-p',
    project,
    ...[...request.absoluteFiles, ...standIns].flatMap((file) => ['-f', file]),
    ...(request.envFiles ?? []).flatMap((file) => ['--env-file', file]),
  ];
  const removeDir = (): Promise<void> => rm(dir, { recursive: true, force: true });
  // Whatever goes wrong before the stack is handed over, nothing of it is left behind.
  const proceed = async (): Promise<JoinedStack> => {
    const env = { ...process.env, ...request.env };
    const record: StackRecord = {
      service: request.key,
      inStack: false,
      reason: null,
      project: null,
      dependencies: [],
      seconds: null,
      networks: [],
      aliases: [],
      environment: [],
    };
    // Alone, it still gets its compose environment once compose has resolved it: the addresses it
    // is given then name what it could not reach.
    let serviceEnv: string[] = [];
    const alone = (reason: string): JoinedStack => ({
      record: { ...record, reason },
      env: serviceEnv,
      networks: [],
      aliases: [],
      down: removeDir,
    });
    const resolve = async (files: string[]): Promise<ResolvedProject | string> => {
      const config = await runDocker([...files, 'config', '--format', 'json'], {
        env,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      options.signal?.throwIfAborted();
      if (config.code !== 0) return `compose cannot resolve the stack: ${lastLines(config.stderr || config.stdout, 3)}`;
      return JSON.parse(config.stdout) as ResolvedProject;
    };
    const first = await resolve(base);
    if (typeof first === 'string') return alone(first);
    let resolved = first;
    const service = resolved.services[request.service];
    if (!service) return alone(`compose does not start ${request.service} (not an active service)`);
    serviceEnv = environmentOf(service);
    record.environment = serviceEnv.map((line) => line.split('=')[0]);
    if (service.network_mode)
      return alone(`it runs with network_mode ${service.network_mode}, which the runtime does not reproduce`);
    const dependencies = dependenciesOf(resolved.services, request.service);
    record.dependencies = dependencies;
    if (dependencies.length === 0) {
      // Nothing to bring up: its own environment is all the stack gives it.
      return {
        record: { ...record, reason: NO_DEPENDENCIES },
        env: serviceEnv,
        networks: [],
        aliases: [],
        down: removeDir,
      };
    }
    // A dependency this run builds has no image yet (it is proven as a target of its own), and one
    // whose image is neither on the engine nor pullable cannot start: either is said, not guessed.
    const missing: string[] = [];
    for (const name of dependencies) {
      const dependency = resolved.services[name];
      if (!dependency.image) {
        missing.push(`${name} builds its image (no image: to run)`);
        continue;
      }
      if (await hasImage(engine, dependency.image)) continue;
      const pulled = await runDocker(['pull', '-q', dependency.image], {
        env,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (pulled.code !== 0)
        missing.push(
          `${name}'s image ${dependency.image} is not on the engine and cannot be pulled (${lastLines(pulled.stderr, 1)})`,
        );
    }
    options.signal?.throwIfAborted();
    if (missing.length > 0) return alone(`its dependencies cannot be started: ${missing.join('; ')}`);

    const override = join(dir, 'isolated.yaml');
    await writeFile(override, isolatingOverride(resolved, dependencies));
    const isolated = [...base, '-f', override];
    const down = async (): Promise<void> => {
      await runDocker([...isolated, 'down', '-v', '--remove-orphans', '-t', '1'], { env });
      await removeDir();
    };
    const again = await resolve(isolated);
    if (typeof again === 'string') return alone(again);
    resolved = again;
    record.project = project;
    options.info?.(`bringing up its dependencies (${dependencies.join(', ')}) from ${request.key}`);
    try {
      const up = await runDocker(
        [
          ...isolated,
          'up',
          '-d',
          '--no-build',
          '--pull',
          'never',
          '--quiet-pull',
          '--wait',
          '--wait-timeout',
          String(Math.ceil(request.timeoutSeconds)),
          ...dependencies,
        ],
        { env, keep: 32 * 1024, ...(options.signal ? { signal: options.signal } : {}) },
      );
      options.signal?.throwIfAborted();
      record.seconds = round(up.seconds);
      if (up.code !== 0) {
        await down();
        return alone(
          `its dependencies did not become healthy within ${request.timeoutSeconds} s: ${lastLines(`${up.stdout}\n${up.stderr}`, 4)}`,
        );
      }
      record.unchecked = await withoutHealthcheck(isolated, dependencies, env, options.signal);
      const wanted = Object.entries(service.networks ?? { default: null });
      const networks: string[] = [];
      const aliases = new Set([request.service]);
      for (const [key, settings] of wanted) {
        const name = resolved.networks?.[key]?.name ?? `${project}_${key}`;
        if (!(await hasNetwork(engine, name))) continue;
        networks.push(name);
        for (const alias of settings?.aliases ?? []) aliases.add(alias);
      }
      if (networks.length === 0) {
        await down();
        return alone(`none of its networks (${wanted.map(([key]) => key).join(', ')}) is shared with its dependencies`);
      }
      return {
        record: { ...record, inStack: true, networks, aliases: [...aliases] },
        env: serviceEnv,
        networks,
        aliases: [...aliases],
        down,
      };
    } catch (error) {
      await down();
      throw error;
    }
  };
  try {
    return await proceed();
  } catch (error) {
    await removeDir();
    throw error;
  }
}

/**
 * The dependencies whose containers have no health check once up (compose's `Health` is empty):
 * `up --wait` waited for them to run, and no more.
 */
async function withoutHealthcheck(
  files: string[],
  dependencies: string[],
  env: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<string[]> {
  const listed = await runDocker([...files, 'ps', '--format', 'json', ...dependencies], {
    env,
    ...(signal ? { signal } : {}),
  });
  if (listed.code !== 0) return [];
  // One JSON object per line (compose ≥ 2.21), or one array (older releases).
  const text = listed.stdout.trim();
  let rows: { Service?: string; Health?: string }[] = [];
  try {
    rows = text.startsWith('[')
      ? (JSON.parse(text) as typeof rows)
      : text
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { Service?: string; Health?: string });
  } catch {
    return [];
  }
  return dependencies.filter((name) => rows.some((row) => row.Service === name && !row.Health));
}

async function hasNetwork(engine: Engine, name: string): Promise<boolean> {
  return engine
    .getNetwork(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}
