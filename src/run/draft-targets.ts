import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { ComposeEvidence, ComposeService } from '../evidence/compose.js';
import type { RawInputs } from '../inputs/raw-inputs.js';
import { parseSettings, type Options } from '../inputs/resolve.js';
import type { TargetSpec } from '../inputs/targets.js';
import type { TargetKind } from '../model.js';
import { UsageError } from '../util/errors.js';
import { canonicalImageName } from '../util/image-reference.js';
import { repoPath } from '../util/repo-path.js';
import { textOf } from '../util/text.js';

// A draft target for each thing the run is asked to prove, before any is deduped or named: the
// context's own Dockerfile (or image), a target the user gave, a Dockerfile found, a compose
// service that builds, a compose file with no Dockerfile of its own (a stack). Where its context,
// Dockerfile, stage and build args are is worked out here, from the options and compose's rules.

/** A target before it is named and its settings resolved. */
export interface Draft {
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

export function defaultDraft(options: Options): Draft | null {
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

export function buildDraft(
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

export function imageDraft(image: string, contextDir: string, dockerfilePath: string | null): Draft {
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
export function draftFromSpec(spec: TargetSpec, options: Options): Draft {
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
export function serviceDraft(
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

/** A compose file (or several) without a Dockerfile of its own: judged as a stack. */
export function stackDraft(compose: ComposeEvidence, options: Options): Draft {
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
