import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../docker/engine.js';
import { runProcess } from '../util/process.js';
import { lastLines } from '../docker/buildx.js';
import { round } from '../util/format.js';
import type { ComposeEvidence } from './compose.js';

// The compose stack, brought up for real from the images the run built and proved: an override
// file points every service that builds at its target's image (`up --no-build`: nothing is built
// twice, and what runs is what was proven). Then each container's start time and first passing
// health check as the engine recorded them, so time to healthy and the real start order are
// measured, not inferred. Always taken down with volumes.

export interface ComposeServiceRun {
  service: string;
  state: string;
  health: string | null;
  exitCode: number;
  /** Seconds after the first container of the stack started. */
  startedAt: number;
  /** Seconds after the stack's first start at which its health check first passed; null: never (or none). */
  healthyAt: number | null;
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
  /** Service name → the id of the image the run built for it. */
  images: Record<string, string>;
  env: Record<string, string>;
  timeoutSeconds: number;
  signal?: AbortSignal;
}

export async function bringComposeUp(options: ComposeUpOptions): Promise<ComposeUpRecord> {
  const project = composeProject(options.runId, options.scope);
  const dir = await mkdtemp(join(tmpdir(), 'cs-hardening-stack-'));
  const override = join(dir, 'built-images.json');
  // JSON is YAML: compose reads it as the last file, over the user's.
  const services = Object.fromEntries(
    Object.entries(options.images).map(([service, id]) => [service, { image: id, pull_policy: 'never' }]),
  );
  await writeFile(override, JSON.stringify({ services }));
  const base = ['compose', '-p', project, ...[...options.absoluteFiles, override].flatMap((file) => ['-f', file])];
  const env = { ...process.env, ...options.env };
  try {
    const up = await runProcess(
      'docker',
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
    const services = await serviceRuns(options.engine, project);
    return {
      files: options.compose.files.map((file) => file.path),
      project,
      ok: up.code === 0,
      seconds: round(up.seconds),
      output: lastLines(`${up.stdout}\n${up.stderr}`, 15),
      services,
      gates: healthGates(options.compose, services),
    };
  } finally {
    await runProcess('docker', [...base, 'down', '-v', '--remove-orphans', '-t', '5'], { env });
    await rm(dir, { recursive: true, force: true });
  }
}

interface InspectedState {
  Status: string;
  ExitCode: number;
  StartedAt: string;
  Health?: { Status: string; Log?: { ExitCode: number; End: string }[] };
}

async function serviceRuns(engine: Engine, project: string): Promise<ComposeServiceRun[]> {
  const containers = await engine.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
  });
  const inspected = await Promise.all(
    containers.map(async (info) => ({
      service: info.Labels['com.docker.compose.service'] ?? info.Names[0] ?? info.Id,
      state: (await engine.getContainer(info.Id).inspect()).State as unknown as InspectedState,
    })),
  );
  const started = inspected.map(({ state }) => Date.parse(state.StartedAt)).filter((time) => time > 0);
  const origin = started.length > 0 ? Math.min(...started) : 0;
  return inspected
    .map(({ service, state }) => {
      const firstPass = state.Health?.Log?.filter((entry) => entry.ExitCode === 0)
        .map((entry) => Date.parse(entry.End))
        .sort((a, b) => a - b)[0];
      return {
        service,
        state: state.Status,
        health: state.Health?.Status ?? null,
        exitCode: state.ExitCode,
        startedAt: round((Date.parse(state.StartedAt) - origin) / 1000),
        healthyAt: firstPass === undefined ? null : round((firstPass - origin) / 1000),
      };
    })
    .sort((a, b) => a.startedAt - b.startedAt);
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
