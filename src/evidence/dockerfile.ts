import { posix } from 'node:path';
import { DockerfileParser, Label } from 'dockerfile-ast';
import { resolveVariables } from './variables.js';

// The Dockerfile as the checks need it: stages with their resolved base (ARG defaults and build
// args applied, as BuildKit does), each instruction with its lines, flags and exec-form array.
// dockerfile-ast finds the structure; the instruction text is rebuilt from the source lines so
// that comments inside continuations do not leak into it and heredoc bodies stay whole.

export interface Instruction {
  keyword: string;
  /** 1-based lines, as editors and GitHub annotations count. */
  line: number;
  endLine: number;
  /** Arguments after the flags, continuations joined. */
  args: string;
  /**
   * `--chown=csops:csops` → { chown: 'csops:csops' }; a bare `--link` → { link: '' }; a flag given
   * more than once (`--mount`) has its values joined by a space.
   */
  flags: Record<string, string>;
  /** Exec (JSON array) form, where the arguments are one. */
  exec: string[] | null;
  /** Heredoc bodies of this instruction, in order. */
  heredocs: string[];
  /**
   * A LABEL's pairs as Docker reads them (dockerfile-ast's reading): `key=value` pairs, or the
   * legacy one-pair form `LABEL maintainer "x"`, where the first word is the key and the rest the
   * value. Values unquoted, variables as written.
   */
  labels?: { name: string; value: string }[];
}

export interface Stage {
  index: number;
  name: string | null;
  line: number;
  /** The base as written (`${BASE_IMAGE}`) and as resolved (`python:3.11-slim`). */
  baseRaw: string;
  base: string;
  /** Build arguments in the base that have no value (no default, not given): `base` is then partial. */
  baseUnresolved: string[];
  /** Index of the earlier stage this one is FROM, or null for an image. */
  baseStage: number | null;
  platform: string | null;
  instructions: Instruction[];
  /**
   * Its ARGs in order (`ARG A=1 B` → A with '1', B with null), each with the line that declares
   * it and its default as written (quotes removed, variables not substituted). The one reading of
   * ARG: the checks and the plan use it.
   */
  args: StageArg[];
}

export interface StageArg {
  name: string;
  /** The default as written, null without one (`ARG B`); `ARG C=` has ''. */
  written: string | null;
  line: number;
}

export interface Comment {
  line: number;
  text: string;
}

/** An image the build pulls: a stage's base, or the source of a `COPY --from=<image>`. */
export interface ImageUse {
  /** As written (`${BASE_IMAGE}`) and as resolved (`python:3.11-slim`). */
  raw: string;
  reference: string;
  /** Build arguments in it that have no value: `reference` is then partial; show `raw`. */
  unresolved: string[];
  line: number;
  via: 'FROM' | 'COPY --from';
  /** The stage it is part of: its base, or copied into it. */
  stage: number;
  /**
   * The ARG before the first FROM whose default writes the part of the reference that decides its
   * version (its tag, or the whole reference: `ARG BASE_IMAGE=nginx:mainline` … `FROM $BASE_IMAGE`),
   * followed through ARGs that name others; absent where this line writes it or a build argument
   * overrides it. That ARG is where the version is changed.
   */
  arg?: { name: string; line: number; written: string } | null;
}

export interface DockerfileEvidence {
  /** Repository-relative path, for locations. */
  path: string;
  stages: Stage[];
  /**
   * Every external image the build uses, in order: FROM bases and COPY --from sources that name
   * an image rather than a stage (their files ship in the stage as much as the base's do).
   */
  images: ImageUse[];
  /** The stage that is built: the target, else the last. */
  finalStage: number;
  /** ARGs declared before the first FROM, with their effective values. */
  globalArgs: Record<string, string | null>;
  /** Where each ARG before the first FROM is last declared with a default, and the default as written. */
  globalArgDefaults?: Record<string, { line: number; written: string }>;
  /** The build arguments given (they override every ARG default of the same name). */
  buildArgs: Record<string, string>;
  comments: Comment[];
  /** What would stop BuildKit from parsing the file at all. */
  syntaxErrors: { line: number; message: string }[];
}

const KEYWORDS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

export interface ParseOptions {
  path: string;
  buildArgs?: Record<string, string>;
  target?: string;
}

export function parseDockerfile(content: string, options: ParseOptions): DockerfileEvidence {
  const document = DockerfileParser.parse(content);
  const escape = document.getEscapeCharacter();
  const sourceLines = content.split(/\r?\n/);
  const stages: Stage[] = [];
  const globalArgs: Record<string, string | null> = {};
  const globalArgDefaults: Record<string, { line: number; written: string }> = {};
  const syntaxErrors: DockerfileEvidence['syntaxErrors'] = [];

  for (const node of document.getInstructions()) {
    const range = node.getRange();
    const keyword = node.getKeyword().toUpperCase();
    const line = range.start.line + 1;
    if (!KEYWORDS.has(keyword)) {
      syntaxErrors.push({ line, message: `unknown instruction '${node.getKeyword()}'` });
      continue;
    }
    const instruction = readInstruction(keyword, sourceLines, range.start.line, range.end.line, escape);
    if (node instanceof Label)
      instruction.labels = node.getProperties().map((property) => ({
        name: property.getName(),
        value: property.getValue() ?? '',
      }));
    if (keyword === 'FROM') {
      stages.push(readStage(instruction, stages, globalArgs, options.buildArgs ?? {}));
      continue;
    }
    const current = stages[stages.length - 1];
    if (current) current.instructions.push(instruction);
    else if (keyword === 'ARG') {
      Object.assign(
        globalArgs,
        readArgs(instruction.args, options.buildArgs ?? {}, (name) => globalArgs[name] ?? null),
      );
      for (const [name, written] of Object.entries(writtenDefaults(instruction.args)))
        globalArgDefaults[name] = { line, written };
    } else syntaxErrors.push({ line, message: `${keyword} before the first FROM (only ARG may come first)` });
  }
  if (stages.length === 0 && syntaxErrors.length === 0) syntaxErrors.push({ line: 1, message: 'no FROM instruction' });
  for (const stage of stages) stage.args = stageArgs(stage.instructions);

  let finalStage = stages.length - 1;
  if (options.target) {
    finalStage = stages.findIndex((stage) => stage.name?.toLowerCase() === options.target?.toLowerCase());
  }
  return {
    path: options.path,
    stages,
    images: imagesUsed(stages, globalArgs, options.buildArgs ?? {}, globalArgDefaults),
    finalStage,
    globalArgs,
    globalArgDefaults,
    buildArgs: options.buildArgs ?? {},
    comments: document.getComments().map((comment) => ({
      line: comment.getRange().start.line + 1,
      text: comment.getContent(),
    })),
    syntaxErrors,
  };
}

function readInstruction(keyword: string, lines: string[], first: number, last: number, escape: string): Instruction {
  const raw = lines.slice(first, last + 1);
  const head = (raw[0] ?? '').replace(/^\s*\S+\s?/, '');
  const heredocNames = [...head.matchAll(/<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1/g)].map((match) => match[2]);
  let text: string;
  const heredocs: string[] = [];
  if (heredocNames.length > 0) {
    // The instruction line itself, then each body up to its terminator.
    text = head;
    let cursor = 1;
    for (const name of heredocNames) {
      const body: string[] = [];
      while (cursor < raw.length && raw[cursor].replace(/^\t+/, '') !== name) body.push(raw[cursor++]);
      cursor++;
      heredocs.push(body.join('\n'));
    }
  } else {
    text = joinContinuations([head, ...raw.slice(1)], escape);
  }
  const { flags, rest } = splitFlags(text);
  return {
    keyword,
    line: first + 1,
    endLine: last + 1,
    args: rest,
    flags,
    exec: parseExec(rest),
    heredocs,
  };
}

/** Joins `\`-continued lines; comment lines inside a continuation are dropped, as BuildKit does. */
function joinContinuations(lines: string[], escape: string): string {
  const parts: string[] = [];
  lines.forEach((line, index) => {
    if (index > 0 && /^\s*#/.test(line)) return;
    if (index > 0 && line.trim() === '') return;
    const trimmed = line.replace(/\s+$/, '');
    parts.push(trimmed.endsWith(escape) ? trimmed.slice(0, -1) : trimmed);
  });
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

function splitFlags(text: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = text;
  for (;;) {
    const match = /^--([A-Za-z][\w-]*)(?:=("[^"]*"|\S*))?\s*/.exec(rest);
    if (!match) break;
    const value = (match[2] ?? '').replace(/^"(.*)"$/, '$1');
    flags[match[1]] = match[1] in flags ? `${flags[match[1]]} ${value}` : value;
    rest = rest.slice(match[0].length);
  }
  return { flags, rest: rest.trim() };
}

function parseExec(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

function imagesUsed(
  stages: Stage[],
  globalArgs: Record<string, string | null>,
  buildArgs: Record<string, string>,
  defaults: Record<string, { line: number; written: string }>,
): ImageUse[] {
  const uses: ImageUse[] = [];
  for (const stage of stages) {
    if (stage.baseStage === null && stage.base !== 'scratch') {
      uses.push({
        raw: stage.baseRaw,
        reference: stage.base,
        unresolved: stage.baseUnresolved,
        line: stage.line,
        via: 'FROM',
        stage: stage.index,
        arg: decidingArg(stage.baseRaw, defaults, buildArgs),
      });
    }
    for (const instruction of stage.instructions) {
      const from = instruction.keyword === 'COPY' || instruction.keyword === 'ADD' ? instruction.flags.from : undefined;
      if (!from) continue;
      const source = sourceOf(stages, stage, instruction, from, globalArgs, buildArgs);
      if (source.stage === null && !/^\d+$/.test(source.reference))
        uses.push({
          raw: from,
          reference: source.reference,
          unresolved: source.unresolved,
          line: instruction.line,
          via: 'COPY --from',
          stage: stage.index,
        });
    }
  }
  return uses;
}

/** `ARG A=1 B C="x y"` → { A: '1', C: 'x y' }: the defaults as written. */
function writtenDefaults(args: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const match of args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g))
    found[match[1]] = match[2].replace(/^(["'])(.*)\1$/, '$2');
  return found;
}

const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+=?][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * The ARG whose default writes the version of an image reference as written: the variable that
 * is the whole reference (`$BASE_IMAGE`) or the only one in a tag that writes no digit besides
 * (`node:${NODE_VERSION}-alpine`, not `postgres:14-${DEBIAN_VERSION}`),
 * followed into that ARG's own default where it names another (`ARG FROM=img:$VERSION`). Null
 * where the reference writes its version itself, several variables share it, or a build argument
 * sets it.
 */
function decidingArg(
  raw: string,
  defaults: Record<string, { line: number; written: string }>,
  buildArgs: Record<string, string>,
  depth = 0,
): ImageUse['arg'] {
  const variables = [...raw.matchAll(VARIABLE)];
  if (variables.length === 0 || depth > 8) return null;
  let name: string | null = null;
  if (variables.length === 1 && variables[0][0] === raw) name = variables[0][1] ?? variables[0][2];
  else {
    // The tag starts after the last ':' past the last '/', with the variables' own text masked.
    const masked = raw.replace(VARIABLE, (text) => '$'.repeat(text.length));
    const colon = masked.lastIndexOf(':');
    const inTag = colon > masked.lastIndexOf('/') ? variables.filter((match) => match.index > colon) : [];
    // It decides only where the rest of the tag writes no version (`${PY}-slim`, not `14-${DEBIAN}`).
    const rest = masked.slice(colon + 1).replace(/\$+/g, '');
    if (inTag.length === 1 && !/\d/.test(rest)) name = inTag[0][1] ?? inTag[0][2];
  }
  if (name === null || buildArgs[name] !== undefined) return null;
  const declared = defaults[name];
  if (!declared) return null;
  return decidingArg(declared.written, defaults, buildArgs, depth + 1) ?? { name, ...declared };
}

/**
 * What a `--from=` (of COPY, ADD or a RUN mount) names: an earlier stage, by name or index, as
 * BuildKit reads it, or else an image (ARG defaults and build args substituted).
 */
function sourceOf(
  stages: Stage[],
  stage: Stage,
  instruction: Instruction,
  from: string,
  globalArgs: Record<string, string | null>,
  buildArgs: Record<string, string>,
): { stage: number | null; reference: string; unresolved: string[] } {
  const { value: reference, unresolved } = resolveVariables(
    from,
    (variable) =>
      buildArgs[variable] ?? stageArg(stage, variable, instruction.line, globalArgs) ?? globalArgs[variable] ?? null,
  );
  const named = /^\d+$/.test(reference)
    ? stages[Number(reference)]
    : stages.find((other) => other.index < stage.index && other.name?.toLowerCase() === reference.toLowerCase());
  return { stage: named && named.index < stage.index ? named.index : null, reference, unresolved };
}

/** `A=1 B C="x y"` → A '1', B null, C 'x y': the names an ARG or ENV line sets, with what it writes. */
export function assignmentsOf(args: string): { name: string; written: string | null }[] {
  return [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("[^"]*"|\S*))?/g)].map((match) => ({
    name: match[1],
    written: match[2] === undefined ? null : match[2].replace(/^"(.*)"$/, '$1'),
  }));
}

/** A stage's ARGs, in order (Stage.args). */
export function stageArgs(instructions: Instruction[]): StageArg[] {
  return instructions
    .filter((instruction) => instruction.keyword === 'ARG')
    .flatMap((instruction) => assignmentsOf(instruction.args).map((arg) => ({ ...arg, line: instruction.line })));
}

/** An ARG's default declared in the stage before `line` (its own variables substituted). */
function stageArg(stage: Stage, name: string, line: number, globalArgs: Record<string, string | null>): string | null {
  let value: string | null = null;
  let lineRead = 0;
  for (const arg of stage.args) {
    if (arg.line >= line) break;
    // The first default of the name on an ARG line counts (`ARG A=1 A=2` sets 1 here).
    if (arg.name !== name || arg.written === null || arg.line === lineRead) continue;
    lineRead = arg.line;
    value = wholeValue(
      arg.written,
      (variable) => stageArg(stage, variable, arg.line, globalArgs) ?? globalArgs[variable] ?? null,
    );
  }
  return value;
}

function readStage(
  from: Instruction,
  stages: Stage[],
  globalArgs: Record<string, string | null>,
  buildArgs: Record<string, string>,
): Stage {
  const words = from.args.split(/\s+/);
  const baseRaw = words[0] ?? '';
  const name = words.length >= 3 && words[1]?.toUpperCase() === 'AS' ? words[2] : null;
  // An empty default (`ARG distro=""`) names no image: the build argument is required, as unset.
  const { value: base, unresolved } = resolveVariables(
    baseRaw,
    (variable) => buildArgs[variable] ?? (globalArgs[variable] || null),
  );
  const byName = stages.find((stage) => stage.name !== null && stage.name.toLowerCase() === base.toLowerCase());
  const byIndex = /^\d+$/.test(base) ? stages[Number(base)] : undefined;
  return {
    index: stages.length,
    name,
    line: from.line,
    baseRaw,
    base,
    baseUnresolved: unresolved,
    baseStage: (byName ?? byIndex)?.index ?? null,
    platform: from.flags.platform ?? null,
    instructions: [],
    args: [],
  };
}

/**
 * `ARG A=1 B` → { A: '1', B: null }, with build args taking precedence over defaults; a default
 * that names earlier arguments (`ARG TAG=${VERSION}-slim`) is substituted as BuildKit does.
 */
function readArgs(
  args: string,
  buildArgs: Record<string, string>,
  known: (name: string) => string | null,
): Record<string, string | null> {
  const result: Record<string, string | null> = {};
  for (const word of args.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    const name = eq === -1 ? word : word.slice(0, eq);
    const written = eq === -1 ? null : word.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    const value = written === null ? null : wholeValue(written, (variable) => result[variable] ?? known(variable));
    result[name] = buildArgs[name] ?? value;
  }
  return result;
}

/** A default with its variables substituted; null (no known value) when one of them has none. */
function wholeValue(written: string, lookup: (name: string) => string | null): string | null {
  const { value, unresolved } = resolveVariables(written, lookup);
  return unresolved.length === 0 ? value : null;
}

/** The stages whose instructions end up in the final image: the final stage and its FROM chain. */
export function stageChain(dockerfile: DockerfileEvidence, stageIndex = dockerfile.finalStage): Stage[] {
  const chain: Stage[] = [];
  let stage: Stage | undefined = dockerfile.stages[stageIndex];
  while (stage) {
    chain.unshift(stage);
    stage = stage.baseStage === null ? undefined : dockerfile.stages[stage.baseStage];
  }
  return chain;
}

/**
 * The stages a build of the target runs: its stage and, transitively, each stage that one starts
 * FROM, copies from (`COPY --from`) or mounts (`RUN --mount=from=`), in file order. BuildKit skips
 * every other stage, so their instructions say nothing about this target.
 */
export function builtStages(dockerfile: DockerfileEvidence, stageIndex = dockerfile.finalStage): Stage[] {
  const built = new Set<number>();
  const visit = (index: number): void => {
    const stage = dockerfile.stages[index];
    if (!stage || built.has(index)) return;
    built.add(index);
    if (stage.baseStage !== null) visit(stage.baseStage);
    for (const instruction of stage.instructions) {
      const froms = [
        ...(instruction.keyword === 'COPY' || instruction.keyword === 'ADD' ? [instruction.flags.from] : []),
        ...(instruction.keyword === 'RUN' ? mountSources(instruction.flags.mount) : []),
      ].filter((from): from is string => from !== undefined && from !== '');
      for (const from of froms) {
        const source = sourceOf(
          dockerfile.stages,
          stage,
          instruction,
          from,
          dockerfile.globalArgs,
          dockerfile.buildArgs,
        );
        if (source.stage !== null) visit(source.stage);
      }
    }
  };
  visit(stageIndex);
  return dockerfile.stages.filter((stage) => built.has(stage.index));
}

/** `from=` of each `--mount` (`type=bind,from=build,source=/out,target=/in`). */
function mountSources(mounts: string | undefined): string[] {
  return (mounts ?? '')
    .split(/\s+/)
    .flatMap((mount) => mount.split(','))
    .filter((option) => option.startsWith('from='))
    .map((option) => option.slice('from='.length));
}

/**
 * The variables in scope at `line` of the last stage of `chain` (ARG defaults and build args, ENV,
 * global ARGs), as BuildKit substitutes them in USER, WORKDIR, COPY…; null where one has no value.
 */
export function variablesAt(
  dockerfile: DockerfileEvidence,
  chain: Stage[],
  line: number,
): (name: string) => string | null {
  const values: Record<string, string | null> = { ...dockerfile.globalArgs };
  const lookup = (name: string): string | null => values[name] ?? null;
  for (const stage of chain) {
    for (const instruction of stage.instructions) {
      if (instruction.line >= line && stage === chain[chain.length - 1]) break;
      if (instruction.keyword !== 'ARG' && instruction.keyword !== 'ENV') continue;
      const legacyEnv =
        instruction.keyword === 'ENV' && /^[A-Za-z_][A-Za-z0-9_]*\s+[^=\s]*(\s|$)/.test(instruction.args);
      if (legacyEnv) {
        // `ENV NAME value with spaces`: one variable, the rest of the line its value.
        const [, name, value] = /^(\S+)\s+(.*)$/.exec(instruction.args)!;
        values[name] = wholeValue(value.replace(/^"(.*)"$/, '$1'), lookup);
        continue;
      }
      const assigned =
        instruction.keyword === 'ARG'
          ? stage.args.filter((arg) => arg.line === instruction.line)
          : assignmentsOf(instruction.args);
      for (const { name, written } of assigned) {
        if (instruction.keyword === 'ARG' && dockerfile.buildArgs[name] !== undefined)
          values[name] = dockerfile.buildArgs[name];
        else if (written !== null) values[name] = wholeValue(written, lookup);
        else if (!(name in values)) values[name] = null;
      }
    }
  }
  return lookup;
}

/**
 * The stages set up s6-overlay: an S6_ setting, or an instruction that fetches, copies or names
 * s6-overlay (its release tarballs, its /etc/s6-overlay tree, an image it is copied from).
 */
export function setsUpS6Overlay(stages: Stage[]): boolean {
  return stages.some((stage) =>
    stage.instructions.some(
      (instruction) =>
        (instruction.keyword === 'ENV' && /(^|\s)S6_[A-Z0-9_]+[= ]/.test(instruction.args)) ||
        /\bs6-overlay\b/.test([instruction.args, instruction.flags.from ?? '', ...instruction.heredocs].join(' ')),
    ),
  );
}

/** What the image will run, as the stages set it: ENTRYPOINT and CMD, each with its instruction. */
export interface ConfiguredCommand {
  /** The last ENTRYPOINT, or null where the base image's applies. */
  entrypoint: { words: string[]; exec: boolean; instruction: Instruction } | null;
  /**
   * The CMD in effect: null where the base image's applies, or where an ENTRYPOINT reset it
   * (BuildKit clears an inherited CMD when a stage sets ENTRYPOINT without its own CMD).
   */
  cmd: { words: string[]; exec: boolean; instruction: Instruction } | null;
  /** An ENTRYPOINT of these stages cleared the CMD the base image had. */
  cmdReset: boolean;
}

export function configuredCommand(chain: Stage[]): ConfiguredCommand {
  let entrypoint: ConfiguredCommand['entrypoint'] = null;
  let cmd: ConfiguredCommand['cmd'] = null;
  let cmdReset = false;
  let shell = ['/bin/sh', '-c'];
  for (const stage of chain) {
    let cmdInStage = false;
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'SHELL' && instruction.exec) shell = instruction.exec;
      // Shell form runs under the SHELL of its point in the file, as Docker stores it.
      const set = {
        words: instruction.exec ?? [...shell, instruction.args],
        exec: instruction.exec !== null,
        instruction,
      };
      if (instruction.keyword === 'CMD') {
        cmd = set;
        cmdInStage = true;
        cmdReset = false;
      } else if (instruction.keyword === 'ENTRYPOINT') {
        entrypoint = set;
        if (!cmdInStage) {
          cmd = null;
          cmdReset = true;
        }
      }
    }
  }
  return { entrypoint, cmd, cmdReset };
}

/**
 * Absolute paths as an instruction of the last stage of `chain` sees them: relative ones under the
 * WORKDIR in effect there (through the stages it is FROM; `/` where none is set), variables
 * substituted. Null where a variable has no value here: such a path is shown as written, never
 * half-resolved.
 */
export function pathsAt(
  dockerfile: DockerfileEvidence,
  chain: Stage[],
  line: number,
): (written: string) => string | null {
  const resolve = (written: string, at: number, base: string | null): string | null => {
    if (base === null) return null;
    const { value, unresolved } = resolveVariables(
      written.replace(/^["'](.*)["']$/, '$1'),
      variablesAt(dockerfile, chain, at),
    );
    return unresolved.length > 0 ? null : posix.resolve(base, value);
  };
  let workdir: string | null = '/';
  for (const stage of chain)
    for (const instruction of stage.instructions) {
      if (stage === chain[chain.length - 1] && instruction.line >= line) break;
      if (instruction.keyword === 'WORKDIR') workdir = resolve(instruction.args, instruction.line, workdir);
    }
  return (written) => resolve(written, line, workdir);
}
