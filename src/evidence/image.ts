import type { Engine } from '../docker/engine.js';
import { UsageError } from '../util/errors.js';

// What the engine says about the image: its config (user, health check, entrypoint, labels…),
// size and layer count. (Layer history comes from the image archive, whose config says exactly
// which history entries made a layer; the engine's /history API does not.)

export interface HealthcheckConfig {
  /** As Docker stores it: ["CMD", …], ["CMD-SHELL", "…"] or ["NONE"]. */
  test: string[];
  intervalSeconds: number | null;
  timeoutSeconds: number | null;
  startPeriodSeconds: number | null;
  retries: number | null;
}

export interface ImageEvidence {
  id: string;
  repoTags: string[];
  sizeBytes: number;
  layers: number;
  /** The layers' content digests (RootFS diff ids), bottom first: equal digests, equal layers. */
  layerDigests: string[];
  os: string;
  architecture: string;
  user: string;
  env: string[];
  cmd: string[] | null;
  entrypoint: string[] | null;
  workingDir: string;
  labels: Record<string, string>;
  healthcheck: HealthcheckConfig | null;
  exposedPorts: string[];
  stopSignal: string | null;
}

const NANOS = 1e9;

export async function collectImageEvidence(engine: Engine, reference: string): Promise<ImageEvidence> {
  const image = engine.getImage(reference);
  let inspect;
  try {
    inspect = await image.inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) {
      throw new UsageError(`image: '${reference}' does not exist on this engine; build it first, pull it, or check the name`);
    }
    throw error;
  }
  const config = inspect.Config;
  const layerCount = inspect.RootFS?.Layers?.length ?? 0;
  return {
    id: inspect.Id,
    repoTags: inspect.RepoTags ?? [],
    sizeBytes: inspect.Size,
    layers: layerCount,
    layerDigests: inspect.RootFS?.Layers ?? [],
    os: inspect.Os,
    architecture: inspect.Architecture,
    user: config.User ?? '',
    env: config.Env ?? [],
    cmd: asArray(config.Cmd),
    entrypoint: asArray(config.Entrypoint),
    workingDir: config.WorkingDir ?? '',
    labels: config.Labels ?? {},
    healthcheck: toHealthcheck(config.Healthcheck as RawHealthcheck | undefined),
    exposedPorts: Object.keys(config.ExposedPorts ?? {}),
    stopSignal: (config as { StopSignal?: string }).StopSignal ?? null,
  };
}

interface RawHealthcheck {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

function toHealthcheck(raw: RawHealthcheck | undefined): HealthcheckConfig | null {
  if (!raw?.Test || raw.Test.length === 0) return null;
  const seconds = (value: number | undefined): number | null => (value ? value / NANOS : null);
  return {
    test: raw.Test,
    intervalSeconds: seconds(raw.Interval),
    timeoutSeconds: seconds(raw.Timeout),
    startPeriodSeconds: seconds(raw.StartPeriod),
    retries: raw.Retries ?? null,
  };
}

function asArray(value: unknown): string[] | null {
  if (Array.isArray(value)) return value as string[];
  if (typeof value === 'string') return [value];
  return null;
}
