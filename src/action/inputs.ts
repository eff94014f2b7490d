import type { RawInputs } from '../inputs/config-file.js';
import { INPUT_NAMES } from '../inputs/definitions.js';

/**
 * The inputs the workflow gave, as the runner passes them (INPUT_<NAME>, name upper-cased with
 * spaces as underscores, hyphens kept). action.yml declares no defaults for settings, so an
 * unset input arrives empty and the config file or the built-in default applies.
 */
export function readActionInputs(env: NodeJS.ProcessEnv): RawInputs {
  const raw: RawInputs = {};
  for (const name of INPUT_NAMES) {
    const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
    if (value !== undefined && value.trim() !== '') raw[name] = value;
  }
  return raw;
}
