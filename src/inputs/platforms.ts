import type { InputName, Settings } from './definitions.js';

// `platforms` (build-push-action's name and syntax) and `platform`, its alias for one: which
// platforms a build is proven for. Checked before anything runs.

/** `os/architecture` or `os/architecture/variant`, as buildx and OCI write them. */
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

/** The platforms to prove each build for, one target each; [] or one: the run's single platform. */
export function platformList(settings: Pick<Settings, 'platforms'>): string[] {
  return [...new Set(settings.platforms.map((platform) => canonicalPlatform(platform)))];
}

/** The default variant is no variant (`linux/arm64/v8` is `linux/arm64`, as buildx lists it). */
const DEFAULT_VARIANTS: Record<string, string> = { 'linux/arm64/v8': 'linux/arm64', 'linux/amd64/v1': 'linux/amd64' };

function canonicalPlatform(platform: string): string {
  const lower = platform.trim().toLowerCase();
  return DEFAULT_VARIANTS[lower] ?? lower;
}

/** Why `platforms` cannot be used as given, or null. */
export function platformsProblem(
  settings: Pick<Settings, 'platform' | 'platforms'>,
  label: (name: InputName) => string,
): string | null {
  const platforms = label('platforms');
  const list = platformList(settings);
  const malformed = list.filter((platform) => !PLATFORM.test(platform));
  if (malformed.length > 0)
    return `${platforms}: '${malformed.join("', '")}' is not a platform: give os/architecture[/variant], as \`linux/amd64,linux/arm64\``;
  const one = settings.platform.trim();
  if (one !== '' && list.length > 0 && !(list.length === 1 && list[0] === one.toLowerCase()))
    return `${label('platform')} and ${platforms} are both given (${one}; ${list.join(', ')}): ${label('platform')} is the one-platform form of ${platforms}; give one of them`;
  return null;
}
