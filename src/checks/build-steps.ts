import type { DockerfileEvidence, Instruction } from '../evidence/dockerfile.js';

// BuildKit names each step `[<stage> <n>/<m>] <instruction>`: the stage by name, or `stage-<i>`,
// or nothing when the build has one stage; n counts FROM as 1 and then the instructions that do
// filesystem work (RUN, COPY, ADD, WORKDIR) — ENV, LABEL, USER… make no step.

const STEP_KEYWORDS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);

export function instructionOfStep(dockerfile: DockerfileEvidence, stepName: string): Instruction | null {
  const match = /^\[(?:(.+?) )?(\d+)\/(\d+)\] (\S+)/.exec(stepName);
  if (!match) return null;
  const [, label, n, , keyword] = match;
  let stage = label === undefined ? dockerfile.stages[dockerfile.finalStage] : undefined;
  if (label !== undefined) {
    const indexed = /^stage-(\d+)$/.exec(label);
    stage = indexed
      ? dockerfile.stages[Number(indexed[1])]
      : dockerfile.stages.find((candidate) => candidate.name?.toLowerCase() === label.toLowerCase());
  }
  if (!stage || Number(n) < 2) return null;
  const instruction = stage.instructions.filter((candidate) => STEP_KEYWORDS.has(candidate.keyword))[Number(n) - 2];
  return instruction && instruction.keyword === keyword?.toUpperCase() ? instruction : null;
}
