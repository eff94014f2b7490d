import { runDocker } from '../docker/cli.js';
import type { Engine } from '../docker/engine.js';
import type { EngineRecord } from '../model.js';

export type { EngineRecord };

// Which engine gave the evidence. Verdicts can depend on it (the image store decides what the
// engine's own size figure means; Engine 20.10 has no health check start interval), and a report
// read later must say where it was measured (the record is `model.ts`'s `EngineRecord`).

interface RawInfo {
  ServerVersion?: string;
  Driver?: string;
  DriverStatus?: [string, string][];
  CgroupVersion?: string;
  OSType?: string;
  Architecture?: string;
}

export async function describeEngine(engine: Engine): Promise<EngineRecord> {
  const [info, version, buildx] = await Promise.all([
    engine.info() as Promise<RawInfo>,
    engine.version(),
    buildxVersion(),
  ]);
  const driver = info.Driver ?? 'unknown';
  return {
    version: info.ServerVersion ?? version.Version,
    apiVersion: version.ApiVersion,
    os: version.Os,
    architecture: version.Arch,
    storageDriver: driver,
    imageStore: imageStoreOf(driver, info.DriverStatus ?? []),
    cgroupVersion: info.CgroupVersion ?? null,
    buildx,
    healthStartInterval: apiAtLeast(version.ApiVersion, 1, 44),
  };
}

/** `docker info` shows `driver-type: io.containerd.snapshotter.v1` when the containerd image store is on. */
export function imageStoreOf(driver: string, status: [string, string][]): string {
  const type = status.find(([key]) => key === 'driver-type')?.[1] ?? '';
  return type.includes('snapshotter') ? 'containerd' : driver;
}

/** `github.com/docker/buildx 0.29.1+ds1 …` → `0.29.1+ds1`. */
async function buildxVersion(): Promise<string | null> {
  const result = await runDocker(['buildx', 'version']).catch(() => null);
  if (!result || result.code !== 0) return null;
  return result.stdout.trim().split(/\s+/)[1]?.replace(/^v/, '') ?? null;
}

function apiAtLeast(apiVersion: string, major: number, minor: number): boolean {
  const [have = 0, haveMinor = 0] = apiVersion.split('.').map(Number);
  return have > major || (have === major && haveMinor >= minor);
}

/** `20.10-overlay2`, `28.5-overlay2`, `28.5-containerd`: the engine's version and image store, as a name. */
export function engineKey(engine: EngineRecord): string {
  const version = /^\d+\.\d+/.exec(engine.version)?.[0] ?? engine.version;
  return `${version}-${engine.imageStore}`;
}
