import type { ComposeService } from '../evidence/compose.js';
import type { Location } from '../model.js';

// Reading a compose service's keys, and where a finding about one lands: on the line that writes
// the key, or the service's own line when the file does not write it.

/** The value at a dotted path of a service's data (`deploy.resources.limits.memory`). */
export const valueAt = (data: Record<string, unknown>, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined),
      data,
    );

/** The line that writes `key`, else the service's. */
export const locationOf = (service: ComposeService, key?: string): Location =>
  (key ? service.sources[key] : undefined) ?? { file: service.file, line: service.line };
