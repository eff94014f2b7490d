import { posix } from 'node:path';
import {
  type DockerfileEvidence,
  type Instruction,
  type Stage,
  builtStages,
  stageChain,
} from '../evidence/dockerfile.js';
import type { ContextFile } from '../evidence/context.js';
import { type CopiedFile, copiedTo, programPaths } from '../evidence/copied.js';
import { type ScriptFacts, scriptFacts } from '../evidence/scripts.js';
import { type ShellCommand, programOf, splitCommands } from '../evidence/shell.js';
import type { EvidenceKey } from '../evidence/types.js';
import type { Severity } from '../model.js';
import type { CheckContext, Verdict } from './registry.js';

// What the Dockerfile rules share: the stages that ship, the commands inside RUN, and the rule
// that a static guess gives way to a measurement of the same thing when one was made.

export interface RunCommand {
  instruction: Instruction;
  stage: Stage;
  command: ShellCommand;
  program: string;
  args: string[];
}

/** Every simple command of every RUN (heredoc bodies included) in the given stages. */
export function runCommands(stages: Stage[]): RunCommand[] {
  const found: RunCommand[] = [];
  for (const stage of stages) {
    for (const instruction of stage.instructions) {
      if (instruction.keyword !== 'RUN') continue;
      const scripts =
        instruction.heredocs.length > 0
          ? instruction.heredocs
          : [instruction.exec ? instruction.exec.join(' ') : instruction.args];
      for (const script of scripts) {
        for (const command of splitCommands(script))
          found.push({ instruction, stage, command, ...programOf(command.words) });
      }
    }
  }
  return found;
}

/** The stages whose files ship: the final one and those it is FROM. */
export function shippedStages(dockerfile: DockerfileEvidence): Stage[] {
  return stageChain(dockerfile);
}

/**
 * The stages building the target runs: the shipped ones and those they copy or mount from. Rules
 * about how the build is written judge these; a stage the target does not build (a dev or test
 * stage after it) is left to the target that builds it.
 */
export function built(dockerfile: DockerfileEvidence): Stage[] {
  return builtStages(dockerfile);
}

/** All instructions of the given stages with this keyword. */
export function instructions(stages: Stage[], keyword: string): { stage: Stage; instruction: Instruction }[] {
  return stages.flatMap((stage) =>
    stage.instructions
      .filter((instruction) => instruction.keyword === keyword)
      .map((instruction) => ({ stage, instruction })),
  );
}

/**
 * In a full run the image was measured: the measured check speaks for the same fact, with numbers.
 * The static rule then steps aside, so one cause is reported once.
 */
export function measuredBy(context: CheckContext, evidence: EvidenceKey, id: string): Verdict | null {
  return context.evidence[evidence].state === 'collected'
    ? { status: 'skip', message: `measured on the image instead: see ${id}` }
    : null;
}

/** One verdict per offending instruction (at the severity it gives, else the check's), or one pass. */
export function verdicts(
  offenders: { instruction: Instruction; message: string; severity?: Severity }[],
  context: CheckContext,
  passMessage: string,
): Verdict[] {
  if (offenders.length === 0) return [{ status: 'pass', message: passMessage }];
  const seen = new Set<number>();
  return offenders
    .filter((offender) => !seen.has(offender.instruction.line) && seen.add(offender.instruction.line))
    .map((offender) => ({
      status: 'fail',
      ...(offender.severity ? { severity: offender.severity } : {}),
      message: offender.message,
      location: context.locate.at(offender.instruction),
    }));
}

/** The context listing, where the context was read. */
export function contextFiles(context: CheckContext): ContextFile[] | null {
  return context.evidence.context.state === 'collected' ? context.evidence.context.value.files : null;
}

/** What the image's command starts with when that is a file a COPY or ADD put there. */
export interface StartScript {
  /** As ENTRYPOINT/CMD writes it (`/sbin/entrypoint.sh`, `docker-entrypoint.sh`, `./run.sh`). */
  written: string;
  /** Where it came from: the build context, a here-document, or another stage or image. */
  copied: CopiedFile;
  /** What it execs and whether it drops root, where it could be read; null where it could not. */
  facts: ScriptFacts | null;
  /** The arguments it is given (what `"$@"` is in it). */
  args: string[];
  /** Run by a shell named in the command (`/bin/bash run.sh`): a shell script whatever its first line. */
  viaShell: boolean;
}

const SHELL_PROGRAMS = /^(sh|bash|dash|ash|zsh|ksh|mksh)$/;

/**
 * The file the command line PID 1 runs starts with, where a COPY or ADD of the stages put it
 * there: the program itself (`/sbin/entrypoint.sh app:run`), the script a shell is given
 * (`/bin/bash run.sh`), or the one command of a `sh -c` string. Null where the program is not a
 * copied file (a binary of the base image or of a package, a variable).
 */
export function startScript(
  dockerfile: DockerfileEvidence,
  chain: Stage[],
  argv: string[],
  context: CheckContext,
): StartScript | null {
  const start = startWord(argv);
  if (!start) return null;
  const { written, args, viaShell } = start;
  const files = contextFiles(context);
  // A shell given a script name reads it from the working directory first.
  const lookedUp = viaShell && !written.includes('/') ? `./${written}` : written;
  for (const path of programPaths(dockerfile, chain, lookedUp)) {
    const copied = copiedTo(dockerfile, chain, path, Number.MAX_SAFE_INTEGER, files);
    if (!copied) continue;
    const scripts = context.evidence.context.state === 'collected' ? context.evidence.context.value.scripts : undefined;
    const facts =
      copied.from === 'heredoc'
        ? scriptFacts(path, copied.text)
        : copied.from === 'context' && copied.contextPath !== null
          ? (scripts?.[copied.contextPath] ?? null)
          : null;
    return { written, copied, facts, args, viaShell };
  }
  return null;
}

/**
 * The word a command line starts with, as a file: the program (`/sbin/entrypoint.sh app:run`),
 * the script a shell is given (`/bin/bash run.sh`), or the program of the one command of a
 * `sh -c` string; with its arguments. Null where it is a variable or a compound `sh -c`.
 */
export function startWord(argv: string[]): { written: string; args: string[]; viaShell: boolean } | null {
  let words = argv;
  let viaShell = false;
  if (SHELL_PROGRAMS.test(posix.basename(argv[0] ?? ''))) {
    if (/^-[a-z]*c[a-z]*$/.test(argv[1] ?? '')) {
      const commands = splitCommands(argv[2] ?? '');
      if (commands.length !== 1) return null;
      const { args } = programOf(commands[0].words);
      words = commands[0].words.slice(commands[0].words.length - args.length - 1);
    } else if (argv[1] !== undefined && !argv[1].startsWith('-')) {
      words = argv.slice(1);
      viaShell = true;
    } else return null;
  }
  const written = words[0] ?? '';
  if (written === '' || written.includes('$')) return null;
  return { written, args: words.slice(1), viaShell };
}

/** How a start script came into the image, for messages: `copied from the build context by the COPY on line 81`. */
export function copiedFrom(script: StartScript): string {
  const { copied } = script;
  const by = `by the ${copied.instruction.keyword} on line ${copied.instruction.line}`;
  if (copied.from === 'heredoc') return `written by a here-document ${by}`;
  if (copied.from === 'stage') return `copied from another stage or image ${by}`;
  return copied.contextPath !== null
    ? `copied from the build context's ${copied.contextPath} ${by}`
    : `copied from the build context ${by}`;
}

export function stageLabel(stage: Stage): string {
  return stage.name ?? `#${stage.index}`;
}

const BUILD_COMMANDS =
  /\b(go\s+(build|install)|cargo\s+(build|install)|mvn|mvnw|gradle|gradlew|dotnet\s+(build|publish)|npm\s+run\s+build|yarn\s+build|pnpm\s+(run\s+)?build|make|cmake|gcc|g\+\+|javac|tsc|webpack|vite\s+build|pip\s+wheel|python3?\s+setup\.py\s+(build|bdist))\b/;

/** A stage that compiles or installs build tools: what a runtime stage must not start from. */
export function buildsSomething(stage: Stage): boolean {
  const commands = runCommands([stage]);
  if (commands.some((command) => BUILD_COMMANDS.test(command.command.words.join(' ')))) return true;
  return commands.some(
    (command) =>
      INSTALLERS[command.program]?.test(command.args[0] ?? '') === true &&
      command.args.some((arg) => BUILD_PACKAGES.test(arg.replace(/[=:].*$/, ''))),
  );
}

/** A stage's base as a reader should see it: resolved, or as written where a build argument has no value. */
export function baseShown(stage: Stage): string {
  return stage.baseUnresolved.length > 0 ? stage.baseRaw : stage.base;
}

export const BUILD_PACKAGES =
  /^(gcc|g\+\+|cpp|make|cmake|build-essential|build-base|clang|llvm|gfortran|binutils|autoconf|automake|libtool|gdb|strace|(gcc|g\+\+|clang)-[\d.]+|golang(-go)?|default-jdk|openjdk-\d+-jdk(-headless)?)$/;
export const INSTALLERS: Record<string, RegExp> = {
  'apt-get': /^install$/,
  apt: /^install$/,
  apk: /^add$/,
  yum: /^install$/,
  dnf: /^install$/,
  microdnf: /^install$/,
};
export const REMOVERS = /^(purge|remove|autoremove|del|erase)$/;

export { pathsAt } from '../evidence/dockerfile.js';
