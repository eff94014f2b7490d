import { posix } from 'node:path';
import {
  builtStages,
  stageChain,
  variablesAt,
  type DockerfileEvidence,
  type Instruction,
  type Stage,
} from '../../evidence/dockerfile.js';
import { programOf, splitCommands, type ShellCommand } from '../../evidence/shell.js';
import { resolveVariables } from '../../evidence/variables.js';
import type { EvidenceKey } from '../../evidence/types.js';
import type { CheckContext, Verdict } from '../registry.js';

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
export function shipped(dockerfile: DockerfileEvidence): Stage[] {
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

/** One verdict per offending instruction, or one pass. */
export function verdicts(
  offenders: { instruction: Instruction; message: string }[],
  context: CheckContext,
  passMessage: string,
): Verdict[] {
  if (offenders.length === 0) return [{ status: 'pass', message: passMessage }];
  const seen = new Set<number>();
  return offenders
    .filter((offender) => !seen.has(offender.instruction.line) && seen.add(offender.instruction.line))
    .map((offender) => ({
      status: 'fail',
      message: offender.message,
      location: context.locate.at(offender.instruction),
    }));
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
