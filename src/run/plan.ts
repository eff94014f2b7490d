import { assignReports } from './vulnerability-reports.js';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import {
  collectComposeEvidence,
  composeRefusal,
  type ComposeEvidence,
  type ComposeService,
} from '../evidence/compose.js';
import { parseDockerfile } from '../evidence/dockerfile.js';
import type { RawInputs } from '../inputs/config-file.js';
import { resolveBuildInputs } from '../inputs/build-inputs.js';
import { inputLabel, parseSettings, type Options } from '../inputs/resolve.js';
import type { TargetSpec } from '../inputs/targets.js';
import type { TargetKind } from '../model.js';
import { UsageError } from '../util/errors.js';
import { canonicalImageName } from '../util/image-reference.js';
import { repoPath } from '../util/repo-path.js';
import { redacted, secretIn } from '../util/secrets.js';
import { textOf } from '../util/text.js';
import { discoverFiles } from './discover.js';
import { composeBuildContexts, inferBuildContext } from './infer-context.js';
import type { TargetRequest } from '../request.js';

// What one run proves, from the user's options: the given targets (or the context's own
// Dockerfile), every Dockerfile found (`discover`), and every compose service that builds an
// image — each built with its own context, Dockerfile, stage and build args. A compose file is
// judged once, by the target that owns it: the context's own when there is one, else a stack
// target of its own. The same build reached twice (a compose service building the context's
// Dockerfile, however its path is written) is one target; a service that only names the image
// another service builds runs that target's image. The services that only name an image are
// proven as images with check-service-images (present, or pulled); every one that is not is
// said once, in the run's notes, with why and how to prove it.

export interface Plan {
  targets: TargetRequest[];
  /** What the run leaves out and says so (a service image not proven, a profile not active, …). */
  notes: string[];
}

/** Whether a service's image is on the engine now: it was there, or it was just pulled; else why not. */
export type ImageAvailability = { ok: true; pulled: boolean } | { ok: false; reason: string };

export interface PlanHelpers {
  /** Makes a service's image available (check-service-images): present, or pulled now. Absent in static mode. */
  obtainImage?: (reference: string) => Promise<ImageAvailability>;
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
  /** The `image:` names compose gives this build (canonical): a service naming one runs this image. */
  imageNames: string[];
  /** Why its build context is only a guess (a Dockerfile `discover` found), or absent. */
  contextUncertain?: string | null;
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
    envFiles: settings.composeEnvFile,
    exampleEnv: settings.composeEnvExample,
  });
  // A project compose itself refuses would be judged as if it were valid, and could even pass.
  const refusal = compose ? composeRefusal(compose, (name) => inputLabel(name as never, options.surface)) : null;
  if (refusal) throw new UsageError(refusal);
  for (const path of new Set(
    compose?.envFiles.filter((file) => file.standsFor).map((file) => `${file.path} → ${file.standsFor}`),
  ))
    notes.push(`compose-env-example: ${path.replace(' → ', ', the committed example, stands in for the missing ')}`);
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
    const found = await discoverFiles(options.contextDir);
    const contexts = composeBuildContexts(found.composeFiles);
    for (const path of found.dockerfiles) {
      // Nothing names the context of a Dockerfile found here: what the repository says, else a guess said to be one.
      const context = inferBuildContext(path, options.contextDir, contexts);
      drafts.push({ ...buildDraft(context.dir, path, null, fromRoot), contextUncertain: context.uncertain });
    }
  }
  if (compose) {
    for (const service of compose.services) {
      const draft = serviceDraft(service, workspace, show, settings.buildArgs);
      if (draft) drafts.push(draft);
    }
  }

  let unique = dedupe(drafts);
  if (compose) {
    const images = await serviceImages(compose, unique, options, helpers, notes);
    unique = dedupe([...unique, ...images]);
    const owner = own && unique.includes(own) ? own : null;
    if (owner) owner.compose = compose;
    else unique.unshift(stackDraft(compose, options));
  }
  if (unique.length === 0) throw nothingToProve(options);
  const named = nameTargets(tellApart(unique));
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
    imageNames: [],
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
    imageNames: [],
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
  // `image:` beside `build:` is the name compose tags the build with: a service naming it runs it.
  const named = typeof service.data.image === 'string' && service.data.image !== '' ? service.data.image : null;
  // The run's build args (the base image stand-in, say) apply to the stack's builds too; the
  // service's own args win.
  return {
    ...draft,
    buildArgs: { ...runArgs, ...composeArgs(spec.args) },
    services: [`${service.file}#${service.name}`],
    imageNames: named ? [canonicalImageName(named)] : [],
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

/**
 * The services that only name an image. One that names the image another service builds runs that
 * build: it joins its target. The others are proven as images with check-service-images, when the
 * engine has the image or pulls it now; each one that is not proven is a note saying why and how.
 */
async function serviceImages(
  compose: ComposeEvidence,
  builds: Draft[],
  options: Options,
  helpers: PlanHelpers,
  notes: string[],
): Promise<Draft[]> {
  const { settings, workspace } = options;
  const builtAs = builtImageNames(builds);
  // Several services naming one image are one image to prove, and one note.
  const byImage = new Map<string, { image: string; services: ComposeService[] }>();
  for (const service of compose.services) {
    if (service.data.build || typeof service.data.image !== 'string') continue;
    const image = service.data.image;
    const name = canonicalImageName(image);
    const build = builtAs.get(name);
    if (build) {
      const key = `${service.file}#${service.name}`;
      if (!build.services.includes(key)) build.services.push(key);
      continue;
    }
    const entry = byImage.get(name) ?? { image, services: [] };
    entry.services.push(service);
    byImage.set(name, entry);
  }
  const wanted = [...byImage.values()];
  const where = (services: ComposeService[]): string =>
    services.map((service) => `${service.name} (${service.file}:${service.line})`).join(', ');
  if (!settings.checkServiceImages) {
    // Static mode proves no image at all: nothing to single out.
    if (settings.mode !== 'full' || wanted.length === 0) return [];
    for (const { image, services } of wanted)
      notes.push(`${where(services)}: image ${image} not proven (check-service-images is off)`);
    const label = inputLabel('check-service-images', options.surface);
    notes.push(
      `the services that only name an image are proven only when asked, so their user, health and size were not judged: ${options.surface === 'cli' ? `add ${label}` : `set ${label} true`} to prove them (an image not on the engine is pulled)`,
    );
    return [];
  }
  const obtain = helpers.obtainImage;
  const found = await Promise.all(
    wanted.map(async (entry) => ({
      ...entry,
      availability: entry.image.includes('$') || !obtain ? null : await obtain(entry.image),
    })),
  );
  const drafts: Draft[] = [];
  for (const { image, services, availability } of found) {
    if (availability === null) {
      notes.push(
        `${where(services)}: image ${image} not proven (${image.includes('$') ? 'its name is set by a variable compose leaves unresolved' : 'static mode: no image is run'})`,
      );
      continue;
    }
    if (!availability.ok) {
      notes.push(
        `${where(services)}: image ${image} not proven, so its user, health and size were not judged: it is not on the engine and ${availability.reason}; pull it before the run (docker pull ${image}) or log in to its registry`,
      );
      continue;
    }
    for (const service of services)
      drafts.push({
        ...imageDraft(image, resolve(workspace, dirname(service.file)), null),
        services: [`${service.file}#${service.name}`],
        label: service.name,
      });
  }
  return drafts;
}

/**
 * Each `image:` name a build is tagged with (and each image a target checks), to that target; a
 * name two different targets claim is left out (which one compose runs depends on the order it
 * builds them).
 */
function builtImageNames(drafts: Draft[]): Map<string, Draft> {
  const claims = new Map<string, Draft[]>();
  for (const draft of drafts) {
    const names = [
      ...draft.imageNames,
      ...(draft.kind === 'image' && draft.image ? [canonicalImageName(draft.image)] : []),
    ];
    for (const name of new Set(names)) claims.set(name, [...(claims.get(name) ?? []), draft]);
  }
  return new Map([...claims].filter(([, owners]) => owners.length === 1).map(([name, [owner]]) => [name, owner]));
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
    imageNames: [],
    compose,
    label: compose.files.map((file) => file.path).join(' + '),
  };
}

/**
 * One target per image: a build or an image reached twice is proven once; the first keeps its
 * name, and the compose services and image names of the others join it. Two builds are the same
 * image when their context and Dockerfile are the same files (after symlinks: `.`, `./` and a
 * link to the directory are one), their stage is the same (naming the last stage is the default
 * stage) and their effective build args are the same (an arg restating its default is no arg).
 */
function dedupe(drafts: Draft[]): Draft[] {
  const byKey = new Map<string, Draft>();
  const kept: Draft[] = [];
  const read = dockerfileFacts();
  for (const draft of drafts) {
    const build = buildIdentity(draft, read);
    const buildKey = build
      ? `build ${build.source} ${build.stage} ${JSON.stringify(Object.entries(build.args).sort())}`
      : null;
    // The context's `image`, given with its Dockerfile, is that Dockerfile's build: a compose
    // service that builds the same is the same image, not a second build of it.
    const keys =
      draft.kind === 'image'
        ? [
            `image ${canonicalImageName(draft.image ?? '')}`,
            ...(draft.builtFromDockerfile && buildKey ? [buildKey] : []),
          ]
        : buildKey
          ? [buildKey]
          : [];
    const seen = keys.map((key) => byKey.get(key)).find(Boolean);
    if (seen) {
      seen.services.push(...draft.services.filter((service) => !seen.services.includes(service)));
      seen.imageNames.push(...draft.imageNames.filter((name) => !seen.imageNames.includes(name)));
      continue;
    }
    for (const key of keys) byKey.set(key, draft);
    kept.push(draft);
  }
  return kept;
}

/** What makes a build the image it is: its files (real paths), its stage, its effective build args. */
interface BuildIdentity {
  source: string;
  /** Lower case; '' for the default (last) stage, however it is named. */
  stage: string;
  args: Record<string, string>;
}

function buildIdentity(draft: Draft, read: (path: string) => DockerfileFacts | null): BuildIdentity | null {
  if (!draft.dockerfilePath) return null;
  const facts = read(draft.dockerfilePath);
  const stage = draft.stage?.toLowerCase() ?? '';
  return {
    source: `${real(draft.contextDir)} ${real(draft.dockerfilePath)}`,
    stage: facts?.lastStage !== null && stage === facts?.lastStage ? '' : stage,
    args: effectiveArgs(draft.buildArgs, facts),
  };
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

interface DockerfileFacts {
  /** Every ARG with its declared default (null without one). */
  declared: Map<string, string | null>;
  /** The last stage's name, lower case; null when it has none. */
  lastStage: string | null;
}

/** Reads each Dockerfile once per plan; null when it cannot be read. */
function dockerfileFacts(): (path: string) => DockerfileFacts | null {
  const cache = new Map<string, DockerfileFacts | null>();
  return (path) => {
    if (!cache.has(path)) {
      let facts: DockerfileFacts | null;
      try {
        const parsed = parseDockerfile(readFileSync(path, 'utf8'), { path: 'Dockerfile' });
        facts = { declared: declaredArgs(parsed), lastStage: parsed.stages.at(-1)?.name?.toLowerCase() ?? null };
      } catch {
        facts = null;
      }
      cache.set(path, facts);
    }
    return cache.get(path)!;
  };
}

/**
 * The build args that change the build: an arg the Dockerfile does not declare is not used, and
 * one that restates its declared default changes nothing (`BASE_IMAGE: python:3.11-slim` beside
 * `ARG BASE_IMAGE=python:3.11-slim` is the same build as none). A default that is not plain text
 * (`ARG B=${A}`) is never taken as restated: two builds are merged only when surely the same.
 */
function effectiveArgs(args: Record<string, string>, facts: DockerfileFacts | null): Record<string, string> {
  if (!facts) return args;
  return Object.fromEntries(
    Object.entries(args).filter(([name, value]) => facts.declared.has(name) && facts.declared.get(name) !== value),
  );
}

/** Every ARG of a Dockerfile with its default (null without one). */
function declaredArgs(parsed: ReturnType<typeof parseDockerfile>): Map<string, string | null> {
  const declared = new Map<string, string | null>(Object.entries(parsed.globalArgs));
  for (const stage of parsed.stages) {
    for (const arg of stage.args) {
      if (!declared.has(arg.name) || arg.written !== null) declared.set(arg.name, arg.written);
    }
  }
  return declared;
}

/**
 * Builds of one Dockerfile that stay apart (another stage, other build args) are named so a
 * reader sees why: `server (skip_frontend_build=true)` beside `. (skip_frontend_build unset)`.
 * Names the user gave are kept as they are; a secret-looking value is never shown.
 */
function tellApart(drafts: Draft[]): Draft[] {
  const read = dockerfileFacts();
  const groups = new Map<string, { draft: Draft; build: BuildIdentity }[]>();
  for (const draft of drafts) {
    if (draft.kind !== 'build') continue;
    const build = buildIdentity(draft, read);
    if (build) groups.set(build.source, [...(groups.get(build.source) ?? []), { draft, build }]);
  }
  const suffix = new Map<Draft, string>();
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const facts = read(members[0].draft.dockerfilePath!);
    const stages = new Set(members.map(({ build }) => build.stage));
    const names = [...new Set(members.flatMap(({ build }) => Object.keys(build.args)))].sort();
    const differing = names.filter((name) => new Set(members.map(({ build }) => build.args[name])).size > 1);
    for (const { draft, build } of members) {
      const parts: string[] = [];
      // A target given as `dir#stage` already says its stage.
      if (stages.size > 1 && !draft.label.endsWith(`#${draft.stage}`))
        parts.push(build.stage ? `stage ${draft.stage}` : 'last stage');
      for (const name of differing) parts.push(describeArg(name, build.args[name], facts));
      if (parts.length > 0) suffix.set(draft, ` (${parts.join(', ')})`);
    }
  }
  return drafts.map((draft) =>
    draft.name === null && suffix.has(draft) ? { ...draft, label: `${draft.label}${suffix.get(draft)}` } : draft,
  );
}

/** `NAME=value` as the build sees it: the given value, else the Dockerfile's default, else unset. */
function describeArg(name: string, given: string | undefined, facts: DockerfileFacts | null): string {
  const value = given ?? facts?.declared.get(name) ?? null;
  if (value === null) return `${name} unset`;
  if (secretIn(name, value)) return `${name}=${redacted(value)}`;
  return `${name}=${value.length > 40 ? `${value.slice(0, 39)}…` : value}`;
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
    contextUncertain: draft.contextUncertain ?? null,
    scope,
    vulnerabilityReports: { current: null, baseline: null },
    buildInputs: resolveBuildInputs(settings, options.workspace).inputs,
  };
}
