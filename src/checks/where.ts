import type { Location } from '../model.js';

/** Spreads a location into a verdict only when there is one. */
export function where(location: Location | undefined): { location?: Location } {
  return location ? { location } : {};
}
