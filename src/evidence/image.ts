import type { Engine, ImageInspectInfo } from '../docker/engine.js';
import { isPullable, pullImage } from '../docker/pull.js';
import { UsageError } from '../util/errors.js';

// What the engine says about the image: its config (user, health check, entrypoint, labels…),
// size and layer count. (Layer history comes from the image archive, whose config says exactly
// which history entries made a layer; the engine's /history API does not.)

export interface HealthcheckConfig {
  /** As Docker stores it: ["CMD", …], ["CMD-SHELL", "…"] or ["NONE"]. */
  test: string[];
  /** The probe as Docker runs it (CMD-SHELL through /bin/sh -c); null when disabled (NONE). */
  argv: string[] | null;
  intervalSeconds: number | null;
  timeoutSeconds: number | null;
  startPeriodSeconds: number | null;
  /** `--start-interval` (Docker ≥ 25, API 1.44): how often it runs during the start period. */
  startIntervalSeconds: number | null;
  retries: number | null;
  /** The settings in force on this engine: the ones written, Docker's defaults for the rest. */
  effective: EffectiveHealth;
}

export interface EffectiveHealth {
  interval: number;
  timeout: number;
  startPeriod: number;
  /** Null on engines without start intervals (API < 1.44): there the first check waits a whole interval. */
  startInterval: number | null;
  retries: number;
}

/** Docker's defaults for what a HEALTHCHECK leaves out (the start interval since Engine 25). */
export const DOCKER_HEALTH_DEFAULTS = {
  interval: 30,
  timeout: 30,
  startPeriod: 0,
  startInterval: 5,
  retries: 3,
} as const;

export interface ImageEvidence {
  id: string;
  repoTags: string[];
  /** `name@sha256:…` for each registry the engine knows the image from (pulled or pushed). */
  repoDigests: string[];
  /**
   * The engine's own `Size`, for information only: unpacked bytes on the overlay2 store, the
   * compressed content on the containerd store. The measured size is FilesystemEvidence.size.
   */
  engineSizeBytes: number;
  layers: number;
  /** The layers' content digests (RootFS diff ids), bottom first: equal digests, equal layers. */
  layerDigests: string[];
  os: string;
  architecture: string;
  /** The architecture's variant (`v7` of arm, `v8` of arm64), where the image names one. */
  variant?: string;
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

export interface ImageRequest {
  reference: string;
  /** The input that named it, for messages: `image`, `baseline-image`. */
  input?: string;
  /** Progress lines (a pull can take a while). */
  info?: (message: string) => void;
  signal?: AbortSignal;
  /** Whether the engine runs health checks every start interval during the start period (API ≥ 1.44). */
  healthStartInterval: boolean;
}

export async function collectImageEvidence(engine: Engine, request: ImageRequest): Promise<ImageEvidence> {
  const { reference, healthStartInterval } = request;
  const input = request.input ?? 'image';
  const image = engine.getImage(reference);
  const inspected = async (): Promise<ImageInspectInfo | null> => {
    try {
      return await image.inspect();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    }
  };
  let inspect = await inspected();
  if (!inspect && isPullable(reference)) {
    request.info?.(`${reference} is not on the engine: pulling it`);
    await pullImage(engine, reference, input, request.signal);
    inspect = await inspected();
  }
  if (!inspect) {
    throw new UsageError(`${input}: '${reference}' does not exist on this engine; build it first, or check the name`);
  }
  const config = inspect.Config;
  const layerCount = inspect.RootFS?.Layers?.length ?? 0;
  return {
    id: inspect.Id,
    repoTags: inspect.RepoTags ?? [],
    repoDigests: inspect.RepoDigests ?? [],
    engineSizeBytes: inspect.Size,
    layers: layerCount,
    layerDigests: inspect.RootFS?.Layers ?? [],
    os: inspect.Os,
    architecture: inspect.Architecture,
    ...(inspect.Variant ? { variant: inspect.Variant } : {}),
    user: config.User ?? '',
    env: config.Env ?? [],
    cmd: asArray(config.Cmd),
    entrypoint: asArray(config.Entrypoint),
    workingDir: config.WorkingDir ?? '',
    labels: config.Labels ?? {},
    healthcheck: toHealthcheck(config.Healthcheck, healthStartInterval),
    exposedPorts: Object.keys(config.ExposedPorts ?? {}),
    stopSignal: (config as { StopSignal?: string }).StopSignal ?? null,
  };
}

export interface RawHealthcheck {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export function toHealthcheck(raw: RawHealthcheck | undefined, startIntervals: boolean): HealthcheckConfig | null {
  if (!raw?.Test || raw.Test.length === 0) return null;
  const seconds = (value: number | undefined): number | null => (value ? value / NANOS : null);
  const written = {
    intervalSeconds: seconds(raw.Interval),
    timeoutSeconds: seconds(raw.Timeout),
    startPeriodSeconds: seconds(raw.StartPeriod),
    startIntervalSeconds: seconds(raw.StartInterval),
    retries: raw.Retries || null,
  };
  const defaults = DOCKER_HEALTH_DEFAULTS;
  return {
    test: raw.Test,
    argv: healthArgv(raw.Test),
    ...written,
    effective: {
      interval: written.intervalSeconds ?? defaults.interval,
      timeout: written.timeoutSeconds ?? defaults.timeout,
      startPeriod: written.startPeriodSeconds ?? defaults.startPeriod,
      startInterval: startIntervals ? (written.startIntervalSeconds ?? defaults.startInterval) : null,
      retries: written.retries ?? defaults.retries,
    },
  };
}

/** The HEALTHCHECK as an argv, as Docker would run it (CMD-SHELL through /bin/sh -c). */
export function healthArgv(test: string[]): string[] | null {
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest.length > 0 ? rest : null;
  if (kind === 'CMD-SHELL') return rest[0] ? ['/bin/sh', '-c', rest[0]] : null;
  return null; // NONE
}

function asArray(value: unknown): string[] | null {
  if (Array.isArray(value)) return value as string[];
  if (typeof value === 'string') return [value];
  return null;
}
