import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../docker/engine.js';
import { runDocker } from '../docker/cli.js';
import { hasImage, withTimeout } from '../docker/engine.js';
import { pullImage } from '../docker/pull.js';
import { lastLines } from '../docker/buildx.js';
import { errorMessage } from '../util/errors.js';
import { round } from '../util/format.js';
import { parseImageReference } from '../util/image-reference.js';
import type { ComposeEvidence } from './compose.js';
import { readSettingsInForce, type SettingsInForce } from './settings-in-force.js';
import { Throwaways } from '../docker/throwaway.js';
import { proveCrashRecovery, type CrashRecovery } from './crash-recovery.js';
import { dependencyPairs, environmentOf, proveDependencyOutages, type DependencyOutage } from './dependency-outage.js';
import { readNetworkIsolation, type NetworkIsolation } from './network-isolation.js';
import { runSmokeTests, type SmokeTestResult } from './smoke-tests.js';
import { readStackLogs, secretValues, type LoggedContainer, type ServiceLog } from './stack-logs.js';

// The compose stack, brought up for real from the images the run built and proved: an override
// file points every service a target builds or runs at its target's image, never pulled
// (`up --no-build`: nothing is built twice, and what runs is what was proven), and every `image:`
// name the stack gives a build is tagged onto the proven image first, as `compose build` would
// tag it (a name that held another image is given back to it afterwards). Then each container's
// start time and first passing health check as the engine recorded them, so time to healthy and
// the real start order are measured, not inferred, and what each running container has in force
// (src/evidence/settings-in-force.ts). Then the user's smoke tests run against it
// (src/evidence/smoke-tests.ts), and last what every container logged is scanned for crashes
// (src/evidence/stack-logs.ts), so a crash a smoke test caused is seen; then, the logs read, each
// service is crashed and its recovery measured (src/evidence/crash-recovery.ts: the crashes are
// ours, and are not counted against the logs), after each dependency was stopped and started again
// with its dependents' health checks watched (src/evidence/dependency-outage.ts). Always taken
// down with volumes.

export interface ComposeServiceRun {
  service: string;
  /** The id of the image its container ran: what was proven, for a service a target builds or runs. */
  image: string;
  state: string;
  health: string | null;
  exitCode: number;
  /** Seconds after the first container of the stack started. */
  startedAt: number;
  /** Seconds after the stack's first start at which its health check first passed; null: never (or none). */
  healthyAt: number | null;
  /** What its running container has in force, as the engine and its cgroup report it (absent: not running). */
  settings?: SettingsInForce;
}

export interface HealthGate {
  service: string;
  dependsOn: string;
  /** True when the service started after the dependency was healthy; null when unknown. */
  honoured: boolean | null;
  /** Seconds between the dependency becoming healthy and the service starting (negative: before). */
  marginSeconds: number | null;
}

export interface ComposeUpRecord {
  files: string[];
  project: string;
  ok: boolean;
  seconds: number;
  output: string;
  services: ComposeServiceRun[];
  gates: HealthGate[];
  /** What each container logged, scanned for crashes (absent in records older than the scan). */
  logs?: ServiceLog[];
  /** The smoke tests, in the order given; empty: none given, or the stack did not come up. */
  smokeTests?: SmokeTestResult[];
  /** Each running service's network namespace, read from inside (absent: off, or not up). */
  networkIsolation?: NetworkIsolation[];
  /** Why the namespaces were not read, when asked for and the stack was up (the helper image could not be had). */
  networkIsolationNotRun?: string;
  /** Each dependency stopped and started again, its dependents' probes watched (absent: off, or not up). */
  dependencyOutages?: DependencyOutage[];
  /** Each service crashed and watched (absent: crash-recovery off, or the stack did not come up). */
  crashRecovery?: CrashRecovery[];
  /** Why the crashes were not made, when asked for and the stack was up (the helper image could not be had). */
  crashRecoveryNotRun?: string;
}

/** `cs-hardening-<run>-<scope>`: the sweep finds a run's projects by that shape (throwaway.ts). */
export function composeProject(runId: string, scope: string): string {
  return `cs-hardening-${runId}-${scope}`;
}

export interface ComposeUpOptions {
  engine: Engine;
  compose: ComposeEvidence;
  absoluteFiles: string[];
  runId: string;
  scope: string;
  /** Service name → the id of the image the run proved for it (built, or named and proven). */
  images: Record<string, string>;
  /** `image:` name the stack gives a build → the id of the proven image that must carry it. */
  names?: Record<string, string>;
  env: Record<string, string>;
  timeoutSeconds: number;
  /** Commands run against the stack once it is up (smoke-test), in a helper of `helperImage`. */
  smokeTests?: string[];
  /** Read each running service's network namespace from inside (network-isolation). */
  networkIsolation?: boolean;
  /** Stop each dependency once the stack is up, and watch its dependents' probes (dependency-outage). */
  dependencyOutage?: boolean;
  /** Crash each running service once the stack is up, and measure its recovery (crash-recovery). */
  crashRecovery?: boolean;
  helperImage?: string;
  /** Progress on the long steps after the bring-up (each smoke test, each crash). */
  info?: (message: string) => void;
  signal?: AbortSignal;
}

export async function bringComposeUp(options: ComposeUpOptions): Promise<ComposeUpRecord> {
  const project = composeProject(options.runId, options.scope);
  const dir = await mkdtemp(join(tmpdir(), 'cs-hardening-stack-'));
  const override = join(dir, 'built-images.json');
  await writeFile(override, stackOverride(options.compose, options.images));
  const base = [
    'compose',
    '-p',
    project,
    ...[...options.absoluteFiles, override].flatMap((file) => ['-f', file]),
    ...options.compose.variablesFiles.flatMap((file) => ['--env-file', file]),
  ];
  const env = { ...process.env, ...options.env };
  const restore: Retag[] = [];
  try {
    await tagNames(options.engine, options.names ?? {}, restore);
    const up = await runDocker(
      [
        ...base,
        'up',
        '-d',
        '--no-build',
        '--quiet-pull',
        '--wait',
        '--wait-timeout',
        String(Math.ceil(options.timeoutSeconds)),
      ],
      {
        env,
        keep: 32 * 1024,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    options.signal?.throwIfAborted();
    const { services, containers } = await serviceRuns(options.engine, project);
    // The run's environment and runtime-env, and what the stack's files give its services (their
    // environment, env files resolved into it): a secret any of them holds is hidden in what the
    // services print.
    const secrets = [
      ...new Set([
        ...secretValues(env),
        ...options.compose.services.flatMap((service) => secretValues(environmentOf(service))),
      ]),
    ].sort((a, b) => b.length - a.length);
    const smokeTests =
      up.code === 0 && options.smokeTests && options.smokeTests.length > 0 && options.helperImage
        ? await runSmokeTests({
            engine: options.engine,
            project,
            runId: options.runId,
            scope: options.scope,
            commands: options.smokeTests,
            image: options.helperImage,
            secrets,
            ...(options.info ? { info: options.info } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
          })
        : [];
    options.signal?.throwIfAborted();
    const logs = await readStackLogs(options.engine, await containers(), secrets);
    // Had once, and only when a proof that needs it runs.
    let helperHad: Promise<string | null> | undefined;
    const helper = (): Promise<string | null> => (helperHad ??= helperImage(options));
    const networkIsolation =
      up.code === 0 && options.networkIsolation
        ? await isolation(options, await helper(), await containers())
        : undefined;
    options.signal?.throwIfAborted();
    const dependencyOutages =
      up.code === 0 && options.dependencyOutage ? await outages(options, await containers()) : undefined;
    options.signal?.throwIfAborted();
    const crashRecovery =
      up.code === 0 && options.crashRecovery
        ? await crashEach(options, await helper(), services, await containers())
        : undefined;
    options.signal?.throwIfAborted();
    return {
      files: options.compose.files.map((file) => file.path),
      project,
      ok: up.code === 0,
      seconds: round(up.seconds),
      output: lastLines(`${up.stdout}\n${up.stderr}`, 15),
      services,
      gates: healthGates(options.compose, services),
      logs,
      smokeTests,
      ...(typeof networkIsolation === 'string'
        ? { networkIsolationNotRun: networkIsolation }
        : networkIsolation
          ? { networkIsolation }
          : {}),
      ...(dependencyOutages ? { dependencyOutages } : {}),
      ...(typeof crashRecovery === 'string'
        ? { crashRecoveryNotRun: crashRecovery }
        : crashRecovery
          ? { crashRecovery }
          : {}),
    };
  } finally {
    await runDocker([...base, 'down', '-v', '--remove-orphans', '-t', '5'], { env });
    await rm(dir, { recursive: true, force: true });
    await giveBack(options.engine, restore);
  }
}

async function outages(options: ComposeUpOptions, containers: LoggedContainer[]): Promise<DependencyOutage[]> {
  const running: Record<string, string[]> = {};
  for (const container of containers) {
    const inspected = await options.engine
      .getContainer(container.id)
      .inspect()
      .catch(() => null);
    if (inspected?.State.Running) (running[container.service] ??= []).push(container.id);
  }
  return proveDependencyOutages({
    engine: options.engine,
    pairs: dependencyPairs(options.compose.services),
    containers: running,
    ...(options.info ? { info: options.info } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/**
 * The helper image, on the engine once for the run (pulled when missing): null when it is there,
 * else why not. On by default, the proofs that need it are then unproven, said as such, rather
 * than failing the run (the smoke tests, asked for by name, do fail it).
 */
async function helperImage(options: ComposeUpOptions): Promise<string | null> {
  if (!options.helperImage) return 'no helper-image given';
  if (await hasImage(options.engine, options.helperImage)) return null;
  try {
    await pullImage(options.engine, options.helperImage, 'helper-image', options.signal);
    return null;
  } catch (error) {
    options.signal?.throwIfAborted();
    return errorMessage(error);
  }
}

async function isolation(
  options: ComposeUpOptions,
  helperProblem: string | null,
  containers: LoggedContainer[],
): Promise<NetworkIsolation[] | string> {
  if (helperProblem) return helperProblem;
  const throwaways = new Throwaways(options.engine, options.runId, `${options.scope}-netns`);
  try {
    return await readNetworkIsolation({
      engine: options.engine,
      throwaways,
      helperImage: options.helperImage!,
      containers,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await throwaways.removeAll();
  }
}

/** Dependents before what they depend on: the later a service started, the sooner it is crashed. */
async function crashEach(
  options: ComposeUpOptions,
  helperProblem: string | null,
  services: ComposeServiceRun[],
  containers: LoggedContainer[],
): Promise<CrashRecovery[] | string> {
  if (helperProblem) return helperProblem;
  const order = (service: string): number => services.find((run) => run.service === service)?.startedAt ?? 0;
  const throwaways = new Throwaways(options.engine, options.runId, `${options.scope}-crash`);
  try {
    return await proveCrashRecovery({
      engine: options.engine,
      throwaways,
      helperImage: options.helperImage!,
      containers: [...containers].sort((a, b) => order(b.service) - order(a.service)),
      ...(options.info ? { info: options.info } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await throwaways.removeAll();
  }
}

/**
 * Compose reads the override last, over the user's files: every service that runs a proven image
 * runs it by id and never pulls; a service whose missing env file a committed example stands in
 * for (`compose-env-example`) reads the example instead (`!override`, or compose would append it
 * and still refuse the missing one). YAML, for the tag; the values are JSON strings.
 */
export function stackOverride(compose: ComposeEvidence, images: Record<string, string>): string {
  const lines = ['services:'];
  for (const service of compose.services) {
    const id = images[service.name];
    const standIn = service.envFiles.some((file) => file.standsFor !== null);
    if (!id && !standIn) continue;
    lines.push(`  ${JSON.stringify(service.name)}:`);
    if (id) lines.push(`    image: ${JSON.stringify(id)}`, '    pull_policy: never');
    if (standIn) lines.push(`    env_file: !override ${JSON.stringify(service.envFiles.map((file) => file.path))}`);
  }
  return lines.length === 1 ? 'services: {}\n' : `${lines.join('\n')}\n`;
}

/** A name that held another image before the bring-up tagged it onto the proven one. */
interface Retag {
  repo: string;
  tag: string;
  previous: string;
}

/** Tags each name onto its proven image; `restore` gathers the names to give back, as they are moved. */
async function tagNames(engine: Engine, names: Record<string, string>, restore: Retag[]): Promise<void> {
  for (const [name, id] of Object.entries(names)) {
    const { name: repo, tag, digest } = parseImageReference(name);
    if (digest) continue; // a digest names content: no tag can point it elsewhere
    const previous = await engine
      .getImage(name)
      .inspect()
      .then(
        (image) => image.Id,
        () => null,
      );
    if (previous === id) continue;
    await engine.getImage(id).tag({ repo, tag: tag ?? 'latest' });
    if (previous) restore.push({ repo, tag: tag ?? 'latest', previous });
  }
}

async function giveBack(engine: Engine, restore: Retag[]): Promise<void> {
  for (const { repo, tag, previous } of restore)
    await engine
      .getImage(previous)
      .tag({ repo, tag })
      .catch(() => undefined); // the image it held is gone: nothing to give back
}

interface InspectedState {
  Status: string;
  ExitCode: number;
  StartedAt: string;
  OOMKilled?: boolean;
  Health?: { Status: string; Log?: { ExitCode: number; End: string }[] };
}

interface StackRuns {
  services: ComposeServiceRun[];
  /**
   * The containers as they are when asked: read again for the log scan, after the smoke tests,
   * so an OOM kill or a restart they caused is counted.
   */
  containers: () => Promise<LoggedContainer[]>;
}

async function serviceRuns(engine: Engine, project: string): Promise<StackRuns> {
  const containers = await engine.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
  });
  const serviceOf = (info: (typeof containers)[number]): string =>
    info.Labels['com.docker.compose.service'] ?? info.Names[0] ?? info.Id;
  const inspected = await Promise.all(
    containers.map(async (info) => {
      const container = engine.getContainer(info.Id);
      const inspected = await container.inspect();
      return {
        id: info.Id,
        service: serviceOf(info),
        image: inspected.Image,
        state: inspected.State as unknown as InspectedState,
        settings: inspected.State.Running ? await readSettingsInForce(container, inspected) : null,
      };
    }),
  );
  const started = inspected.map(({ state }) => Date.parse(state.StartedAt)).filter((time) => time > 0);
  const origin = started.length > 0 ? Math.min(...started) : 0;
  const healthyEvents = await firstHealthyEvents(engine, project, origin);
  const services = inspected
    .map(({ id, service, image, state, settings }) => {
      // The engine's event says when it turned healthy; its health log keeps only the last five
      // probes, so on a stack that waits long for one service, another's first pass is gone from it.
      const firstPass =
        healthyEvents.get(id) ??
        state.Health?.Log?.filter((entry) => entry.ExitCode === 0)
          .map((entry) => Date.parse(entry.End))
          .sort((a, b) => a - b)[0];
      return {
        service,
        image,
        state: state.Status,
        health: state.Health?.Status ?? null,
        exitCode: state.ExitCode,
        startedAt: round((Date.parse(state.StartedAt) - origin) / 1000),
        healthyAt: firstPass === undefined ? null : round((firstPass - origin) / 1000),
        ...(settings ? { settings } : {}),
      };
    })
    .sort((a, b) => a.startedAt - b.startedAt);
  const now = (): Promise<LoggedContainer[]> =>
    Promise.all(
      containers.map(async (info) => {
        const current = await engine
          .getContainer(info.Id)
          .inspect()
          .catch(() => null);
        return {
          id: info.Id,
          service: serviceOf(info),
          oomKilled: (current?.State as InspectedState | undefined)?.OOMKilled === true,
          restarts: current?.RestartCount ?? 0,
        };
      }),
    );
  return { services, containers: now };
}

/**
 * When each container of the project first turned healthy, from the engine's events (ms since the
 * epoch, by container id); empty when the engine cannot say (the health log is read instead).
 */
async function firstHealthyEvents(engine: Engine, project: string, sinceMs: number): Promise<Map<string, number>> {
  const first = new Map<string, number>();
  if (!(sinceMs > 0)) return first;
  try {
    const stream = await engine.getEvents({
      since: Math.floor(sinceMs / 1000) - 1,
      // Up to now, not later: the engine would hold the stream open until then.
      until: Math.floor(Date.now() / 1000),
      filters: JSON.stringify({
        type: ['container'],
        event: ['health_status'],
        label: [`com.docker.compose.project=${project}`],
      }),
    });
    const text = await withTimeout(
      new Promise<string>((resolve, reject) => {
        let data = '';
        stream.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
        stream.on('end', () => resolve(data));
        stream.on('error', reject);
      }),
      5000,
      'the engine did not end its event stream',
    );
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { status?: string; Action?: string; id?: string; timeNano?: number };
      const action = (event.Action ?? event.status ?? '').trim();
      if (action !== 'health_status: healthy' || !event.id || !event.timeNano) continue;
      const at = event.timeNano / 1e6;
      if (!first.has(event.id) || at < first.get(event.id)!) first.set(event.id, at);
    }
  } catch {
    first.clear(); // the health log stands in
  }
  return first;
}

function healthGates(compose: ComposeEvidence, runs: ComposeServiceRun[]): HealthGate[] {
  const byName = new Map(runs.map((run) => [run.service, run]));
  const gates: HealthGate[] = [];
  for (const service of compose.services) {
    const depends = service.data.depends_on;
    if (!depends || Array.isArray(depends)) continue;
    for (const [name, spec] of Object.entries(depends as Record<string, { condition?: string } | null>)) {
      if (spec?.condition !== 'service_healthy') continue;
      const dependent = byName.get(service.name);
      const dependency = byName.get(name);
      const margin =
        dependent && dependency?.healthyAt != null ? round(dependent.startedAt - dependency.healthyAt) : null;
      gates.push({
        service: service.name,
        dependsOn: name,
        honoured: margin === null ? null : margin >= 0,
        marginSeconds: margin,
      });
    }
  }
  return gates;
}
