import type { EngineRecord } from '../model.js';

/**
 * One line for headers and footers:
 * `Docker Engine 28.5.2 (API 1.51), containerd image store (overlayfs snapshotter), buildx 0.29.1`.
 */
export function engineLine(engine: EngineRecord): string {
  const store =
    engine.imageStore === 'containerd'
      ? `containerd image store (${engine.storageDriver} snapshotter)`
      : `${engine.storageDriver} storage driver`;
  return `Docker Engine ${engine.version} (API ${engine.apiVersion}), ${store}${engine.buildx ? `, buildx ${engine.buildx}` : ''}`;
}
