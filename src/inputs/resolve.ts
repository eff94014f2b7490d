import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError, errorMessage } from '../util/errors.js';
import { pushTargetProblem } from '../util/image-reference.js';
import { resolveBuildInputs } from './build-inputs.js';
import { readConfigFile, type ConfigIgnore, type RawInputs } from './config-file.js';
import { INPUTS, INPUT_NAMES, camelCase, type InputName, type Settings } from './definitions.js';
import { parseTargetLine, type TargetSpec } from './targets.js';
import { platformsProblem } from './platforms.js';

// One validated Options object from defaults, config files and explicit inputs, in that order
// of precedence (inputs override the files). Every path is checked here, so a missing
// Dockerfile is a one-line usage error before anything is built.

export interface Options {
  /** The run's settings: defaults, then the config files, then the inputs given. */
  settings: Settings;
  /** The same, as raw input text: a target's own values are laid over it and parsed again. */
  raw: RawInputs;
  /** Absolute; locations in reports are relative to it. */
  workspace: string;
  contextDir: string;
  /** Absolute path of the context's Dockerfile (`file`, else `<context>/Dockerfile`); null when there is none. */
  dockerfilePath: string | null;
  /** Targets given by the `targets` input or a config file's `targets:`; empty: the context's own. */
  targets: TargetSpec[];
  /** Config files that were read, workspace-relative. */
  configFiles: string[];
  /** Ignores from the config files. */
  ignores: ConfigIgnore[];
  /** Who asked: messages name CLI flags (`--file`) or action inputs (`file:`). */
  surface: Surface;
}

export type Surface = 'cli' | 'action';

/** How an input is named to the user: `--max-image-size-mb` in the CLI, `max-image-size-mb:` in a workflow. */
export function inputLabel(name: InputName, surface: Surface): string {
  return surface === 'cli' ? `--${name}` : `${name}:`;
}

export const CONTEXT_CONFIG = '.container-hardening.yml';

export async function resolveOptions(
  explicit: RawInputs,
  workspace: string,
  surface: Surface = 'cli',
): Promise<Options> {
  const configFiles: string[] = [];
  const ignores: ConfigIgnore[] = [];
  const merged: RawInputs = {};
  let configTargets: TargetSpec[] | null = null;

  // The repository's config: the `config` input, else the default path when it exists.
  const configInput = explicit.config?.trim();
  const repoConfig = resolve(workspace, configInput || INPUTS.config.default);
  if (configInput || existsSync(repoConfig)) {
    const file = await readConfigFile(repoConfig, show(workspace, repoConfig));
    Object.assign(merged, file.values);
    ignores.push(...file.ignores);
    configTargets = file.targets ?? configTargets;
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
    // Its targets' paths are relative to that context, like its `file`.
    configTargets = file.targets?.map((spec) => relativeTo(spec, relative(workspace, contextDir))) ?? configTargets;
    configFiles.push(show(workspace, contextConfig));
  }
  for (const name of INPUT_NAMES) {
    const value = explicit[name];
    if (value !== undefined && value.trim() !== '') merged[name] = value;
  }

  const settings = parseSettings(merged);
  if (settings.mode === 'merge')
    throw new UsageError(
      surface === 'cli'
        ? 'mode merge proves nothing itself: run cs-docker-hardening merge REPORT… to combine reports'
        : 'mode: merge needs `reports` (the JSON reports of the matrix jobs), one file or glob per line',
    );
  if (settings.reports.length > 0)
    throw new UsageError(
      `${inputLabel('reports', surface)} is read only when merging reports (${surface === 'cli' ? 'cs-docker-hardening merge' : 'mode: merge'})`,
    );
  // Named as the user wrote them: `push: true` and `tags:` in a workflow, `--push` and `--tag` in a shell.
  const push = surface === 'cli' ? '--push' : 'push: true';
  const tags = surface === 'cli' ? '--tag' : 'tags:';
  if (settings.push) {
    if (settings.tags.length === 0) throw new UsageError(`${push} needs ${tags} (where to push the proven image)`);
    if (settings.mode !== 'full')
      throw new UsageError(`${push} pushes the image this run builds and proves: it needs mode full`);
    for (const tag of settings.tags) {
      const problem = pushTargetProblem(tag);
      if (problem) throw new UsageError(`${tags} '${tag}' ${problem}`);
    }
    if (settings.failOn === 'never')
      throw new UsageError(`${push} with fail-on never would push whatever the verdict: give fail-on error or warning`);
  }
  // `tags` without `push` is read by nothing, as build-push-action's `push: ${{ … != 'pull_request' }}` wants.
  const signatures = signatureProblem(settings, surface, workspace);
  if (signatures) throw new UsageError(signatures);
  const platforms = platformsProblem(settings, (name) => inputLabel(name, surface));
  if (platforms) throw new UsageError(platforms);
  // A tag or a branch name would never equal the commit a provenance records: refused, not failed.
  const revision = settings.expectedRevision.trim();
  if (revision && !/^[0-9a-fA-F]{7,64}$/.test(revision))
    throw new UsageError(
      `${inputLabel('expected-revision', surface)} '${revision}' is not a commit id: give the commit (\${{ github.sha }}) or its first 7 or more hex digits`,
    );
  // Build inputs that name files or variables are checked before anything runs.
  resolveBuildInputs(settings, workspace);
  const dockerfilePath = locateDockerfile(settings, contextDir, workspace, surface);
  // The `targets` input replaces the files' `targets:`, as any input replaces the files' value.
  const targets = explicit.targets?.trim()
    ? settings.targets.map((line, index) =>
        parseTargetLine(line, `${inputLabel('targets', surface)} line ${index + 1}`),
      )
    : (configTargets ?? []);
  // A target's own values are checked here, before anything runs, with the file and line they came from.
  for (const spec of targets) {
    for (const [name, value] of Object.entries(spec.inputs)) {
      try {
        resolveBuildInputs(parseSettings({ ...merged, [name]: value }), workspace);
      } catch (error) {
        throw new UsageError(`${spec.source}: ${errorMessage(error)}`, { cause: error });
      }
    }
  }
  return { settings, raw: merged, workspace, contextDir, dockerfilePath, targets, configFiles, ignores, surface };
}

/** A target spec from a context's config, with its paths made workspace-relative. */
function relativeTo(spec: TargetSpec, contextPath: string): TargetSpec {
  const moved = (path: string | null): string | null => (path && !isAbsolute(path) ? join(contextPath, path) : path);
  return spec.context ? { ...spec, context: moved(spec.context) } : { ...spec, file: moved(spec.file) };
}

/** What is wrong with the signature inputs, or null: what to verify, and whom to trust, both or neither. */
export function signatureProblem(settings: Settings, surface: Surface, workspace: string): string | null {
  // Named mid-sentence: `--signature-key` in a shell, `signature-key` in a workflow.
  const label = (name: InputName): string => (surface === 'cli' ? `--${name}` : name);
  const verify = label('verify-signature');
  const unknown = settings.verifySignature.filter((role) => role !== 'base' && role !== 'image');
  if (unknown.length > 0) return `${verify}: '${unknown.join(', ')}' is not base or image; give base, image or both`;
  const keyless = settings.signatureIdentity !== '' || settings.signatureIssuer !== '';
  if (settings.verifySignature.length === 0) {
    if (settings.signatureKey !== '' || keyless)
      return `${label(settings.signatureKey !== '' ? 'signature-key' : 'signature-identity')} is read only with ${verify} (base, image, or both)`;
    return null;
  }
  if (settings.signatureKey !== '' && keyless)
    return `${verify}: give ${label('signature-key')} or ${label('signature-identity')} with ${label('signature-issuer')}, not both`;
  const key = settings.signatureKey;
  if (key !== '') {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(key) || existsSync(resolve(workspace, key))) return null;
    return `${label('signature-key')} ${key} does not exist in the workspace; give the public key's path (or a KMS URI)`;
  }
  if (settings.signatureIdentity !== '' && settings.signatureIssuer !== '') return null;
  if (keyless)
    return `${verify}: keyless signatures need both ${label('signature-identity')} (a regular expression of the signer) and ${label('signature-issuer')} (its OIDC issuer)`;
  const why =
    settings.profile === 'hardened-image' ? " (profile hardened-image verifies the base images' signatures)" : '';
  return `${verify} needs whom to trust${why}: ${label('signature-key')} (a public key), or ${label('signature-identity')} with ${label('signature-issuer')} (keyless)`;
}

/**
 * The defaults a profile sets besides the built-in ones (docs/checks.md, "Profiles"): the
 * hardened-image profile asks what hardened images promise. Only defaults and severities change.
 */
export const PROFILE_DEFAULTS: Record<string, Partial<Record<InputName, string>>> = {
  production: {},
  'hardened-image': {
    'shell-and-package-manager': 'error',
    'numeric-user': 'error',
    'check-attestations': 'true',
    'verify-signature': 'base',
  },
};

/** Settings from raw input text; unset inputs take their profile's defaults, then the built-in ones. */
export function parseSettings(raw: RawInputs): Settings {
  const settings: Record<string, unknown> = {};
  // A profile changes defaults only: what the user set explicitly wins.
  const profile = PROFILE_DEFAULTS[(raw.profile ?? INPUTS.profile.default).trim()] ?? {};
  for (const name of INPUT_NAMES) {
    const definition = INPUTS[name];
    const text = raw[name] ?? profile[name] ?? definition.default;
    // A number input without default stays unset (null) until given.
    settings[camelCase(name)] =
      text.trim() === '' && definition.kind.form.includes('number') ? null : definition.kind.parse(text, name);
  }
  return settings as Settings;
}

function locateDockerfile(settings: Settings, contextDir: string, workspace: string, surface: Surface): string | null {
  const given = settings.file;
  const path = given ? resolve(workspace, given) : join(contextDir, 'Dockerfile');
  if (existsSync(path) && statSync(path).isFile()) return path;
  if (given) throw new UsageError(`${inputLabel('file', surface)} '${given}' does not exist`);
  // None in the context: targets, discovery or compose files may still give something to prove;
  // the plan says when nothing is left (src/run/plan.ts).
  return null;
}

function show(workspace: string, path: string): string {
  const shown = relative(workspace, path);
  return shown === '' ? '.' : shown.startsWith('..') ? path : shown;
}
