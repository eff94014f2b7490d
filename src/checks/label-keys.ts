// The production profile's label keys and the OCI image-spec annotations that say the same
// (https://github.com/opencontainers/image-spec/blob/main/annotations.md): an image that sets
// org.opencontainers.image.authors has a maintainer, one that sets
// org.opencontainers.image.version has a version. Shared by the static and the measured label
// checks, so both accept the same keys.

export const LABEL_EQUIVALENTS: Readonly<Record<string, readonly string[]>> = {
  maintainer: ['org.opencontainers.image.authors'],
  version: ['org.opencontainers.image.version'],
};

/**
 * The key that carries a required label among those set with a value: the label itself, else
 * its OCI equivalent; null where neither is set (an empty value does not count).
 */
export function labelCarrying(required: string, hasValue: (key: string) => boolean): string | null {
  return [required, ...(LABEL_EQUIVALENTS[required] ?? [])].find(hasValue) ?? null;
}
