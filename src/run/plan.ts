import { assignReports } from './vulnerability-reports.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { collectComposeEvidence, type ComposeEvidence, type ComposeService } from '../evidence/compose.js';
import { parseDockerfile } from '../evidence/dockerfile.js';
import type { RawInputs } from '../inputs/config-file.js';
import { resolveBuildInputs } from '../inputs/build-inputs.js';
import { inputLabel, parseSettings, type Options } from '../inputs/resolve.js';
import type { TargetSpec } from '../inputs/targets.js';
import type { TargetKind } from '../model.js';
import { UsageError } from '../util/errors.js';
import { repoPath } from '../util/repo-path.js';
import { textOf } from '../util/text.js';
import { discoverDockerfiles } from './discover.js';
import type { TargetRequest } from '../request.js';

// What one run proves, from the user's options: the given targets (or the context's own
// Dockerfile), every Dockerfile found (`discover`), and every compose service that builds an
// image — each built with its own context, Dockerfile, stage and build args. A compose file is
// judged once, by the target that owns it: the context's own when there is one, else a stack
// target of its own. The same build reached twice (a compose service building the context's
// Dockerfile) is one target.

export interface Plan {
  targets: TargetRequest[];
  /** What the run leaves out and says so (a service image not on the engine, …). */
  notes: string[];
}

export interface PlanHelpers {
  /** Whether the engine has this image (for check-service-images; nothing is pulled). */
  hasImage?: (reference: string) => Promise<boolean>;
}

/** A target before it is named and its settings resolved. */
interface Draft {
  name: string | null;
  kind: TargetKind;
  contextDir: string;
  dockerfilePath: string | null;
  stage: string | null;
  image: string | null;
  buildArgs: Record<string, string>;
  inputs: RawInputs;
  services: string[];
  compose: ComposeEvidence | null;
  /** How it is named when it has no name of its own. */
  label: string;
  /** An image given as the context's own, with its Dockerfile: the build of that Dockerfile. */
  builtFromDockerfile?: boolean;
}

export async function planTargets(options: Options, helpers: PlanHelpers = {}): Promise<Plan> {
  const { settings, workspace } = options;
  const show = (path: string): string => repoPath(workspace, path);
  const notes: string[] = [];
  // The environment compose would see: the process's, and runtime-env (which fills the stack's variables).
  const compose = collectComposeEvidence({
    workspace,
    contextDir: options.contextDir,
    given: settings.composeFiles,
    env: { ...process.env, ...settings.runtimeEnv },
  });
  for (const service of compose?.inactive ?? []) {
    notes.push(
      `${service.name}: in profile ${service.profiles.join(', ')}, not active (COMPOSE_PROFILES), so not checked — as compose would not start it`,
    );
  }
  notes.push(...resolveBuildInputs(settings, workspace).notes);
  const drafts: Draft[] = [];

  const explicit = options.targets.map((spec) => draftFromSpec(spec, options));
  drafts.push(...explicit);
  // The context's own: exactly what a run of one target has always proven.
  const own = explicit.length === 0 ? defaultDraft(options) : null;
  if (own) drafts.push(own);
  if (settings.discover) {
    // Named from where the search started: `services/api`, not the whole path from the workspace.
    const fromRoot = (path: string): string => repoPath(options.contextDir, path);
    for (const path of await discoverDockerfiles(options.contextDir))
      drafts.push(buildDraft(dirname(path), path, null, fromRoot));
  }
  if (compose) {
    for (const service of compose.services) {
      const draft = serviceDraft(service, workspace, show, settings.buildArgs);
      if (draft) drafts.push(draft);
    }
    if (settings.checkServiceImages) drafts.push(...(await serviceImages(compose, workspace, helpers, notes)));
  }

  const unique = dedupe(drafts);
  if (compose) {
    const owner = own && unique.includes(own) ? own : null;
    if (owner) owner.compose = compose;
    else unique.unshift(stackDraft(compose, options));
  }
  if (unique.length === 0) throw nothingToProve(options);
  const named = nameTargets(unique);
  const requests = named.map((draft, index) => toRequest(draft, options, String(index + 1)));
  attachVulnerabilityReports(requests, named, options);
  return { targets: requests, notes };
}

/** Each target's scanner reports (current and baseline), from the run's lines and its own. */
function attachVulnerabilityReports(requests: TargetRequest[], drafts: Draft[], options: Options): void {
  const assign = (input: 'vulnerability-report' | 'baseline-vulnerability-report'): Map<string, string> => {
    const own = new Map<string, string[]>();
    drafts.forEach((draft, index) => {
      if (draft.inputs[input] !== undefined)
        own.set(requests[index].name, parseSettings({ [input]: draft.inputs[input] })[camel(input)]);
    });
    const run = parseSettings({ [input]: options.raw[input] ?? '' })[camel(input)];
    return assignReports(requests, input, { run, own }, options.workspace);
  };
  const current = assign('vulnerability-report');
  const baseline = assign('baseline-vulnerability-report');
  for (const request of requests) {
    request.vulnerabilityReports = {
      current: current.get(request.name) ?? null,
      baseline: baseline.get(request.name) ?? null,
    };
    if (request.vulnerabilityReports.baseline && !request.vulnerabilityReports.current)
      throw new UsageError(
        `baseline-vulnerability-report for ${request.name} without a vulnerability-report: give the report on this image too`,
      );
  }
}

function camel(
  input: 'vulnerability-report' | 'baseline-vulnerability-report',
): 'vulnerabilityReport' | 'baselineVulnerabilityReport' {
  return input === 'vulnerability-report' ? 'vulnerabilityReport' : 'baselineVulnerabilityReport';
}

function nothingToProve(options: Options): UsageError {
  const label = (name: Parameters<typeof inputLabel>[0]): string => inputLabel(name, options.surface);
  return new UsageError(
    `no Dockerfile and no compose file in context '${repoPath(options.workspace, options.contextDir)}'; give ${label('file')} <path>, ${label('image')} <ref>, ${label('targets')} <paths> or ${label('discover')} true`,
  );
}

function defaultDraft(options: Options): Draft | null {
  const { settings } = options;
  if (settings.image) {
    const draft = imageDraft(settings.image, options.contextDir, options.dockerfilePath);
    return { ...draft, stage: settings.target || null, buildArgs: settings.buildArgs, builtFromDockerfile: true };
  }
  if (!options.dockerfilePath) return null;
  const draft = buildDraft(options.contextDir, options.dockerfilePath, settings.target || null, (path) =>
    repoPath(options.workspace, path),
  );
  return { ...draft, buildArgs: settings.buildArgs };
}

function buildDraft(
  contextDir: string,
  dockerfilePath: string,
  stage: string | null,
  show: (path: string) => string,
): Draft {
  const named =
    basename(dockerfilePath) === 'Dockerfile' && dirname(dockerfilePath) === contextDir
      ? show(contextDir)
      : show(dockerfilePath);
  return {
    name: null,
    kind: 'build',
    contextDir,
    dockerfilePath,
    stage,
    image: null,
    buildArgs: {},
    inputs: {},
    services: [],
    compose: null,
    label: stage ? `${named}#${stage}` : named,
  };
}

function imageDraft(image: string, contextDir: string, dockerfilePath: string | null): Draft {
  return {
    name: null,
    kind: 'image',
    contextDir,
    dockerfilePath,
    stage: null,
    image,
    buildArgs: {},
    inputs: {},
    services: [],
    compose: null,
    label: image,
  };
}

/** A target the user gave: a directory, a Dockerfile, or an image, with its own settings. */
function draftFromSpec(spec: TargetSpec, options: Options): Draft {
  const { workspace } = options;
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(workspace, path));
  const fail = (why: string): never => {
    throw new UsageError(`${spec.source}: ${why}`);
  };
  let contextDir = spec.context ? at(spec.context) : null;
  let dockerfilePath: string | null = null;
  if (contextDir && !existsSync(contextDir)) fail(`'${spec.context}' does not exist`);
  if (contextDir && statSync(contextDir).isFile()) {
    // A Dockerfile given where a directory was expected: its directory is the context.
    dockerfilePath = contextDir;
    contextDir = dirname(contextDir);
  }
  if (spec.file) {
    dockerfilePath = contextDir ? resolve(contextDir, spec.file) : at(spec.file);
    contextDir ??= dirname(dockerfilePath);
  }
  if (spec.image) {
    const found =
      dockerfilePath ??
      (contextDir && existsSync(join(contextDir, 'Dockerfile')) ? join(contextDir, 'Dockerfile') : null);
    const draft = imageDraft(spec.image, contextDir ?? workspace, found);
    return {
      ...draft,
      name: spec.name,
      stage: spec.stage,
      inputs: spec.inputs,
      buildArgs: parseSettings({ 'build-args': spec.inputs['build-args'] ?? '' }).buildArgs,
    };
  }
  dockerfilePath ??= join(contextDir!, 'Dockerfile');
  if (!existsSync(dockerfilePath)) fail(`no Dockerfile at ${repoPath(workspace, dockerfilePath)}`);
  const draft = buildDraft(contextDir!, dockerfilePath, spec.stage, (path) => repoPath(workspace, path));
  const buildArgs = {
    ...options.settings.buildArgs,
    ...parseSettings({ 'build-args': spec.inputs['build-args'] ?? '' }).buildArgs,
  };
  return { ...draft, name: spec.name, inputs: spec.inputs, buildArgs };
}

/**
 * A compose service that builds: its context, dockerfile, target and args as compose reads them
 * (relative to the compose file; an arg without value comes from the environment, or is unset).
 * One with `dockerfile_inline`, or whose Dockerfile is missing, is judged by the compose checks only.
 */
function serviceDraft(
  service: ComposeService,
  workspace: string,
  show: (path: string) => string,
  runArgs: Record<string, string>,
): Draft | null {
  const build = service.data.build;
  if (!build) return null;
  const spec = (typeof build === 'string' ? { context: build } : build) as Record<string, unknown>;
  if (spec.dockerfile_inline !== undefined) return null; // no file to read or annotate
  const composeDir = dirname(resolve(workspace, service.file));
  const contextDir = resolve(composeDir, textOf(spec.context) || '.');
  const dockerfilePath = resolve(contextDir, textOf(spec.dockerfile) || 'Dockerfile');
  if (!existsSync(dockerfilePath)) return null; // HARD-COMPOSE-… report the service; nothing to build here
  const draft = buildDraft(contextDir, dockerfilePath, textOf(spec.target) || null, show);
  // The run's build args (the base image stand-in, say) apply to the stack's builds too; the
  // service's own args win.
  return {
    ...draft,
    buildArgs: { ...runArgs, ...composeArgs(spec.args) },
    services: [`${service.file}#${service.name}`],
    label: service.name,
  };
}

function composeArgs(args: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  const entries: [string, unknown][] = Array.isArray(args)
    ? args.map((entry) => {
        const text = textOf(entry);
        const eq = text.indexOf('=');
        return eq === -1 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
      })
    : Object.entries((args ?? {}) as Record<string, unknown>);
  for (const [name, value] of entries) {
    const given = value === undefined || value === null ? process.env[name] : textOf(value);
    if (given !== undefined) result[name] = given;
  }
  return result;
}

/** `check-service-images`: the services that only name an image, proven as images the engine has. */
async function serviceImages(
  compose: ComposeEvidence,
  workspace: string,
  helpers: PlanHelpers,
  notes: string[],
): Promise<Draft[]> {
  const drafts: Draft[] = [];
  for (const service of compose.services) {
    if (service.data.build || typeof service.data.image !== 'string') continue;
    const image = service.data.image;
    if (image.includes('$') || !helpers.hasImage) {
      notes.push(
        `${service.name}: image ${image} not proven (${image.includes('$') ? 'set by a variable' : 'static mode'})`,
      );
      continue;
    }
    if (!(await helpers.hasImage(image))) {
      notes.push(`${service.name}: image ${image} is not on the engine, so it was not proven (nothing is pulled)`);
      continue;
    }
    drafts.push({
      ...imageDraft(image, resolve(workspace, dirname(service.file)), null),
      services: [`${service.file}#${service.name}`],
      label: service.name,
    });
  }
  return drafts;
}

/** A compose file (or several) without a Dockerfile of its own: judged as a stack. */
function stackDraft(compose: ComposeEvidence, options: Options): Draft {
  return {
    name: null,
    kind: 'stack',
    contextDir: options.contextDir,
    dockerfilePath: null,
    stage: null,
    image: null,
    buildArgs: {},
    inputs: {},
    services: [],
    compose,
    label: compose.files.map((file) => file.path).join(' + '),
  };
}

/**
 * One target per image: a build (context, Dockerfile, stage, build args) or an image reached twice
 * is proven once; the first keeps its name, and the compose services of the others join it.
 */
function dedupe(drafts: Draft[]): Draft[] {
  const byKey = new Map<string, Draft>();
  const kept: Draft[] = [];
  for (const draft of drafts) {
    const build = `build ${draft.contextDir} ${draft.dockerfilePath} ${draft.stage ?? ''} ${JSON.stringify(Object.entries(effectiveArgs(draft)).sort())}`;
    // The context's `image`, given with its Dockerfile, is that Dockerfile's build: a compose
    // service that builds the same is the same image, not a second build of it.
    const keys =
      draft.kind === 'image'
        ? [`image ${draft.image}`, ...(draft.builtFromDockerfile && draft.dockerfilePath ? [build] : [])]
        : [build];
    const seen = keys.map((key) => byKey.get(key)).find(Boolean);
    if (seen) {
      seen.services.push(...draft.services.filter((service) => !seen.services.includes(service)));
      continue;
    }
    for (const key of keys) byKey.set(key, draft);
    kept.push(draft);
  }
  return kept;
}

/**
 * The build args that change the build: an arg the Dockerfile does not declare is not used, and
 * one that restates its declared default changes nothing (`BASE_IMAGE: python:3.11-slim` beside
 * `ARG BASE_IMAGE=python:3.11-slim` is the same build as none).
 */
function effectiveArgs(draft: Draft): Record<string, string> {
  if (!draft.dockerfilePath || Object.keys(draft.buildArgs).length === 0) return draft.buildArgs;
  let declared: Map<string, string | null>;
  try {
    declared = declaredArgs(readFileSync(draft.dockerfilePath, 'utf8'));
  } catch {
    return draft.buildArgs;
  }
  return Object.fromEntries(
    Object.entries(draft.buildArgs).filter(([name, value]) => declared.has(name) && declared.get(name) !== value),
  );
}

/** Every ARG of a Dockerfile with its default (null without one). */
function declaredArgs(text: string): Map<string, string | null> {
  const parsed = parseDockerfile(text, { path: 'Dockerfile' });
  const declared = new Map<string, string | null>(Object.entries(parsed.globalArgs));
  for (const stage of parsed.stages) {
    for (const instruction of stage.instructions) {
      if (instruction.keyword !== 'ARG') continue;
      for (const match of instruction.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("[^"]*"|\S*))?/g)) {
        if (!declared.has(match[1]) || match[2] !== undefined)
          declared.set(match[1], match[2]?.replace(/^"(.*)"$/, '$1') ?? null);
      }
    }
  }
  return declared;
}

function nameTargets(drafts: Draft[]): Draft[] {
  const used = new Map<string, number>();
  return drafts.map((draft) => {
    const wanted = draft.name ?? draft.label;
    const count = (used.get(wanted) ?? 0) + 1;
    used.set(wanted, count);
    return { ...draft, name: count === 1 ? wanted : `${wanted} (${count})` };
  });
}

function toRequest(draft: Draft, options: Options, scope: string): TargetRequest {
  // The target's own values over the run's: thresholds and expectations it sets, its stage,
  // image and build args.
  const raw: RawInputs = { ...options.raw, ...draft.inputs, target: draft.stage ?? '', image: draft.image ?? '' };
  const settings = parseSettings(raw);
  settings.buildArgs = draft.buildArgs;
  return {
    name: draft.name!,
    kind: draft.kind,
    workspace: options.workspace,
    contextDir: draft.contextDir,
    dockerfilePath: draft.dockerfilePath,
    settings,
    ignores: options.ignores,
    compose: draft.compose,
    services: draft.services,
    readFiles: true,
    knownBaseLayers: [],
    scope,
    vulnerabilityReports: { current: null, baseline: null },
    buildInputs: resolveBuildInputs(settings, options.workspace).inputs,
  };
}
