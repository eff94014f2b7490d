import { checkCleanBuildTime, checkImageBuilds } from './build.js';
import type { AnyCheck } from './registry.js';
import { checkImageSize, checkLayerCount } from './size.js';
import { checkConfiguredUserIsNotRoot, checkExpectedUser } from './user.js';

/** Every check, in report order. docs/checks.md is generated from this list. */
export const ALL_CHECKS: readonly AnyCheck[] = [
  checkImageBuilds,
  checkCleanBuildTime,
  checkImageSize,
  checkLayerCount,
  checkConfiguredUserIsNotRoot,
  checkExpectedUser,
] as AnyCheck[];
