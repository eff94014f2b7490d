import type { InputName } from './definitions.js';

// The inputs as the user wrote them, by their kebab-case names, before they are parsed: what the
// action's inputs, the CLI's flags, a config file and a target's own values all come as.

export type RawInputs = Partial<Record<InputName, string>>;
