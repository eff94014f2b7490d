import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../util/errors.js';
import { readConfigFile, type ConfigIgnore, type RawInputs } from './config-file.js';
import { INPUTS, INPUT_NAMES, camelCase, type Settings } from './definitions.js';

// One validated Options object from defaults, config files and explicit inputs, in that order
// of precedence (inputs override the files). Every path is checked here, so a missing
// Dockerfile is a one-line usage error before anything is built.

export interface Options {
  settings: Settings;
  /** Absolute; locations in reports are relative to it. */
  workspace: string;
  contextDir: string;
  /** Absolute path of the Dockerfile, or null when checking an image without one. */
  dockerfilePath: string | null;
  /** Config files that were read, workspace-relative. */
  configFiles: string[];
  /** Ignores from the config files. */
  ignores: ConfigIgnore[];
  /** Whether the Dockerfile, context and compose files are read (false for a baseline image). */
  readFiles?: boolean;
  /** Layer digests of a known base image (the tested image's), to split a baseline image without its Dockerfile. */
  knownBaseLayers?: string[];
}

export const CONTEXT_CONFIG = '.container-hardening.yml';

export async function resolveOptions(explicit: RawInputs, workspace: string): Promise<Options> {
  const configFiles: string[] = [];
  const ignores: ConfigIgnore[] = [];
  const merged: RawInputs = {};

  // The repository's config: the `config` input, else the default path when it exists.
  const configInput = explicit.config?.trim();
  const repoConfig = resolve(workspace, configInput || INPUTS.config.default);
  if (configInput || existsSync(repoConfig)) {
    const file = await readConfigFile(repoConfig, show(workspace, repoConfig));
    Object.assign(merged, file.values);
    ignores.push(...file.ignores);
    configFiles.push(show(workspace, repoConfig));
  }

  // The context's own config; it cannot move the context it lives in.
  const contextRaw = explicit.context ?? merged.context ?? INPUTS.context.default;
  const contextDir = resolve(workspace, contextRaw.trim() || '.');
  if (!existsSync(contextDir))
    throw new UsageError(`context: directory '${contextRaw}' does not exist (looked in ${contextDir})`);
  if (!statSync(contextDir).isDirectory())
    throw new UsageError(
      `context: '${contextRaw}' is a file; give the directory that holds the Dockerfile and what it copies`,
    );
  const contextConfig = join(contextDir, CONTEXT_CONFIG);
  if (existsSync(contextConfig)) {
    const file = await readConfigFile(contextConfig, show(workspace, contextConfig), ['context']);
    // `file` in a context's config is relative to that context.
    if (file.values.file && !isAbsolute(file.values.file))
      file.values.file = relative(workspace, join(contextDir, file.values.file));
    Object.assign(merged, file.values);
    ignores.push(...file.ignores);
    configFiles.push(show(workspace, contextConfig));
  }
  for (const name of INPUT_NAMES) {
    const value = explicit[name];
    if (value !== undefined && value.trim() !== '') merged[name] = value;
  }

  const settings = parseSettings(merged);
  const dockerfilePath = locateDockerfile(settings, contextDir, workspace);
  return { settings, workspace, contextDir, dockerfilePath, configFiles, ignores };
}

/** Settings from raw input text; unset inputs take their defaults. */
export function parseSettings(raw: RawInputs): Settings {
  const settings: Record<string, unknown> = {};
  for (const name of INPUT_NAMES) {
    const definition = INPUTS[name];
    const text = raw[name] ?? definition.default;
    // A number input without default stays unset (null) until given.
    settings[camelCase(name)] =
      text.trim() === '' && definition.kind.form.includes('number') ? null : definition.kind.parse(text, name);
  }
  return settings as Settings;
}

function locateDockerfile(settings: Settings, contextDir: string, workspace: string): string | null {
  const given = settings.file;
  const path = given ? resolve(workspace, given) : join(contextDir, 'Dockerfile');
  if (existsSync(path) && statSync(path).isFile()) return path;
  // Checking a built image needs no Dockerfile; one is read when present.
  if (settings.image && !given) return null;
  if (given) throw new UsageError(`file: '${given}' does not exist`);
  throw new UsageError(
    `no Dockerfile in context '${show(workspace, contextDir)}'; give file: <path>, or image: <ref> to check a built image`,
  );
}

function show(workspace: string, path: string): string {
  const shown = relative(workspace, path);
  return shown === '' ? '.' : shown.startsWith('..') ? path : shown;
}
