import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { UsageError } from '../util/errors.js';
import { textOf } from '../util/text.js';
import type { RawInputs } from './raw-inputs.js';
import { INPUTS, type InputName } from './definitions.js';

// What the user asked to prove, before anything is looked up on disk: the `targets` input (one
// target a line) and the configuration file's `targets:` (the same lines, or mappings with
// per-target build args and thresholds).

export interface TargetSpec {
  /** The name reports use; null: derived from what it is. */
  name: string | null;
  /** Build context, workspace-relative as given; null for an image, or a Dockerfile path given alone. */
  context: string | null;
  /** Dockerfile, relative to the context when one is given (as compose reads it), else to the workspace. */
  file: string | null;
  /** The stage to build (`#stage`, or `target:` in the file). */
  stage: string | null;
  /** A built image to prove instead of building one. */
  image: string | null;
  /** Per-target values of inputs (thresholds, expectations, build args…) over the shared ones. */
  inputs: RawInputs;
  /** Where it was given, for messages: `targets line 2`, `config .github/container-hardening.yml:14`. */
  source: string;
}

const NAMED = /^([A-Za-z0-9][A-Za-z0-9._-]*)=(.+)$/;

/**
 * `services/api`, `services/api/Dockerfile.prod`, `services/api#runtime`, `image:registry/app:1.2`,
 * each optionally named: `api=services/api#runtime`. Whether a path is a directory or a file is
 * decided later, on disk.
 */
export function parseTargetLine(line: string, source: string): TargetSpec {
  let rest = line.trim();
  let name: string | null = null;
  const named = NAMED.exec(rest);
  if (named) {
    name = named[1]!;
    rest = named[2].trim();
  }
  const spec: TargetSpec = { name, context: null, file: null, stage: null, image: null, inputs: {}, source };
  if (rest.startsWith('image:')) {
    spec.image = rest.slice('image:'.length).trim();
    if (!spec.image) throw new UsageError(`${source}: 'image:' needs an image reference, like image:registry/app:1.2`);
    return spec;
  }
  const hash = rest.lastIndexOf('#');
  if (hash !== -1) {
    spec.stage = rest.slice(hash + 1).trim();
    rest = rest.slice(0, hash).trim();
    if (!spec.stage) throw new UsageError(`${source}: '#' needs a stage name after it, like services/api#runtime`);
  }
  if (!rest) throw new UsageError(`${source}: '${line}' names no directory, Dockerfile or image`);
  spec.context = rest;
  return spec;
}

const TARGET_KEYS = new Set(['name', 'context', 'file', 'target', 'image']);

/** The configuration file's `targets:`: a list of lines like the input's, or of mappings. */
export function readTargetsNode(
  node: Node | null,
  where: (node: Node | null) => string,
  toText: (node: Node | null, where: string) => string,
): TargetSpec[] {
  if (!isSeq(node))
    throw new UsageError(
      `${where(node)}: targets must be a list of directories, Dockerfiles, image:REF lines or mappings`,
    );
  return node.items.map((item) => {
    const at = where(item as Node);
    if (isScalar(item)) return parseTargetLine(textOf(item.value), at);
    if (!isMap(item))
      throw new UsageError(`${at}: each target is a line (services/api) or a mapping (context: services/api)`);
    const spec: TargetSpec = {
      name: null,
      context: null,
      file: null,
      stage: null,
      image: null,
      inputs: {},
      source: at,
    };
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? textOf(pair.key.value) : '';
      const value = pair.value as Node | null;
      if (TARGET_KEYS.has(key)) {
        const text = toText(value, `${at}: ${key}`).trim();
        if (key === 'name') spec.name = text || null;
        else if (key === 'target') spec.stage = text || null;
        else spec[key as 'context' | 'file' | 'image'] = text || null;
        continue;
      }
      if (!(key in INPUTS)) {
        throw new UsageError(
          `${at}: unknown key '${key}' in a target; a target has name, context, file, target, image and per-target inputs such as max-image-size-mb`,
        );
      }
      if (!INPUTS[key as InputName].perTarget) {
        throw new UsageError(
          `${at}: '${key}' applies to the whole run, not to one target: set it at the top of the file`,
        );
      }
      spec.inputs[key as InputName] = toText(value, `${at}: ${key}`);
    }
    if (!spec.context && !spec.file && !spec.image)
      throw new UsageError(`${at}: a target needs a context, a file or an image`);
    return spec;
  });
}

export function lineCounterWhere(shownAs: string, counter: LineCounter): (node: Node | null) => string {
  return (node) => {
    const offset = node?.range?.[0];
    return `config ${shownAs}:${offset === undefined ? 0 : counter.linePos(offset).line}`;
  };
}
