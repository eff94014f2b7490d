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

/** A step that installs dependencies: what should come from the cache when only the app changed. */
const INSTALLS = [
  /\bpip3?\s+install\b/,
  /\bpython3?\s+-m\s+pip\s+install\b/,
  /\b(poetry|pipenv|uv)\s+(install|sync)\b/,
  /\buv\s+pip\s+install\b/,
  /\bnpm\s+(ci|install|i)\b/,
  /\byarn(\s+install)?\s*($|&&|;|--)/,
  /\bpnpm\s+(install|i)\b/,
  /\bbundle\s+install\b/,
  /\bgo\s+mod\s+download\b/,
  /\bcomposer\s+install\b/,
  /\bcargo\s+(fetch|build)\b/,
  /\bmvn\b.*\b(dependency:|go-offline|package|install|verify)/,
  /\bgradle\w*\b.*\b(dependencies|build|assemble)\b/,
  /\bdotnet\s+restore\b/,
  /\bapt-get\s+install\b/,
  /\bapk\s+add\b/,
  /\b(yum|dnf|microdnf)\s+install\b/,
];

export function isDependencyInstall(text: string): boolean {
  return INSTALLS.some((pattern) => pattern.test(text));
}
