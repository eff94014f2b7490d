import { DockerfileParser } from 'dockerfile-ast';
import { expandVariables } from './variables.js';

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
  /** `--chown=csops:csops` → { chown: 'csops:csops' }; a bare `--link` → { link: '' }. */
  flags: Record<string, string>;
  /** Exec (JSON array) form, where the arguments are one. */
  exec: string[] | null;
  /** Heredoc bodies of this instruction, in order. */
  heredocs: string[];
}

export interface Stage {
  index: number;
  name: string | null;
  line: number;
  /** The base as written (`${BASE_IMAGE}`) and as resolved (`python:3.11-slim`). */
  baseRaw: string;
  base: string;
  /** Index of the earlier stage this one is FROM, or null for an image. */
  baseStage: number | null;
  platform: string | null;
  instructions: Instruction[];
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
  line: number;
  via: 'FROM' | 'COPY --from';
  /** The stage it is part of: its base, or copied into it. */
  stage: number;
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
    if (keyword === 'FROM') {
      stages.push(readStage(instruction, stages, globalArgs, options.buildArgs ?? {}));
      continue;
    }
    const current = stages[stages.length - 1];
    if (current) current.instructions.push(instruction);
    else if (keyword === 'ARG') Object.assign(globalArgs, readArgs(instruction.args, options.buildArgs ?? {}));
    else syntaxErrors.push({ line, message: `${keyword} before the first FROM (only ARG may come first)` });
  }
  if (stages.length === 0 && syntaxErrors.length === 0) syntaxErrors.push({ line: 1, message: 'no FROM instruction' });

  let finalStage = stages.length - 1;
  if (options.target) {
    finalStage = stages.findIndex((stage) => stage.name?.toLowerCase() === options.target?.toLowerCase());
  }
  return {
    path: options.path,
    stages,
    images: imagesUsed(stages, globalArgs, options.buildArgs ?? {}),
    finalStage,
    globalArgs,
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
    flags[match[1]] = (match[2] ?? '').replace(/^"(.*)"$/, '$1');
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
): ImageUse[] {
  const uses: ImageUse[] = [];
  for (const stage of stages) {
    if (stage.baseStage === null && stage.base !== 'scratch') {
      uses.push({ raw: stage.baseRaw, reference: stage.base, line: stage.line, via: 'FROM', stage: stage.index });
    }
    for (const instruction of stage.instructions) {
      const from = instruction.keyword === 'COPY' || instruction.keyword === 'ADD' ? instruction.flags.from : undefined;
      if (!from) continue;
      const reference = expandVariables(
        from,
        (variable) =>
          buildArgs[variable] ?? stageArg(stage, variable, instruction.line) ?? globalArgs[variable] ?? null,
      );
      // A stage by name or index is not an image (stages before this one only, as BuildKit reads them).
      const isStage =
        /^\d+$/.test(reference) ||
        stages.some((other) => other.index < stage.index && other.name?.toLowerCase() === reference.toLowerCase());
      if (!isStage) uses.push({ raw: from, reference, line: instruction.line, via: 'COPY --from', stage: stage.index });
    }
  }
  return uses;
}

/** An ARG's default declared in the stage before `line`. */
function stageArg(stage: Stage, name: string, line: number): string | null {
  let value: string | null = null;
  for (const instruction of stage.instructions) {
    if (instruction.line >= line) break;
    if (instruction.keyword !== 'ARG') continue;
    const match = new RegExp(`(?:^|\\s)${name}=("[^"]*"|\\S*)`).exec(instruction.args);
    if (match) value = match[1].replace(/^"(.*)"$/, '$1');
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
  const base = expandVariables(baseRaw, (variable) => buildArgs[variable] ?? globalArgs[variable] ?? null);
  const byName = stages.find((stage) => stage.name !== null && stage.name.toLowerCase() === base.toLowerCase());
  const byIndex = /^\d+$/.test(base) ? stages[Number(base)] : undefined;
  return {
    index: stages.length,
    name,
    line: from.line,
    baseRaw,
    base,
    baseStage: (byName ?? byIndex)?.index ?? null,
    platform: from.flags.platform ?? null,
    instructions: [],
  };
}

/** `ARG A=1 B` → { A: '1', B: null }, with build args taking precedence over defaults. */
function readArgs(args: string, buildArgs: Record<string, string>): Record<string, string | null> {
  const result: Record<string, string | null> = {};
  for (const word of args.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    const name = eq === -1 ? word : word.slice(0, eq);
    const value = eq === -1 ? null : word.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    result[name] = buildArgs[name] ?? value;
  }
  return result;
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
