import { stageChain, type DockerfileEvidence, type Instruction } from './dockerfile.js';
import type { FilesystemEvidence } from './filesystem.js';
import type { ImageEvidence } from './image.js';
import type { Location } from '../model.js';

// Where in the Dockerfile a finding belongs, so the annotation lands on the line to change.
// Everything returns undefined when there is no Dockerfile (an `image` input alone).

export interface Locator {
  /** The Dockerfile's FROM line of the stage that ships. */
  finalFrom(): Location | undefined;
  /** The last instruction with this keyword in the shipped stage or the stages it is FROM. */
  lastInstruction(keyword: string): Location | undefined;
  /** The instruction that made the image's layer `index`, when the layer is the Dockerfile's own. */
  layer(index: number): Location | undefined;
  /** True when layer `index` comes from the base image, not from this Dockerfile. */
  isBaseLayer(index: number): boolean;
  /** Whether base and own layers can be told apart (they cannot without the Dockerfile). */
  knowsBase(): boolean;
  /** Content digests of the base image's layers, when known. */
  baseLayerDigests(): string[];
  /** The instruction that made layer `index`, when known. */
  instructionOfLayer(index: number): Instruction | undefined;
  at(instruction: Instruction): Location;
}

const LAYER_KEYWORDS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);

/**
 * `knownBase`: content digests of a base image's layers, when the Dockerfile cannot tell (an image
 * checked without it): the leading layers with those digests are that base, exactly.
 */
export function createLocator(
  dockerfile?: DockerfileEvidence,
  filesystem?: FilesystemEvidence,
  image?: ImageEvidence,
  knownBase: readonly string[] = [],
): Locator {
  const chain = dockerfile && dockerfile.finalStage >= 0 ? stageChain(dockerfile) : [];
  const at = (instruction: Instruction): Location => ({
    file: dockerfile!.path,
    line: instruction.line,
    ...(instruction.endLine !== instruction.line ? { endLine: instruction.endLine } : {}),
  });
  const layerMap =
    filesystem && dockerfile
      ? mapLayers(
          chain.flatMap((stage) => stage.instructions),
          filesystem,
        )
      : new Map<number, Instruction>();
  const ownLayers = new Set(layerMap.keys());
  let firstOwn = ownLayers.size > 0 ? Math.min(...ownLayers) : Infinity;
  if (ownLayers.size === 0 && image && knownBase.length > 0) {
    const shared = image.layerDigests.findIndex((digest, index) => digest !== knownBase[index]);
    firstOwn = shared === -1 ? Math.min(image.layerDigests.length, knownBase.length) : shared;
  }
  return {
    finalFrom() {
      const stage = dockerfile?.stages[dockerfile.finalStage];
      return stage ? { file: dockerfile.path, line: stage.line } : undefined;
    },
    lastInstruction(keyword) {
      for (let s = chain.length - 1; s >= 0; s--) {
        const found = chain[s].instructions.filter((instruction) => instruction.keyword === keyword).pop();
        if (found) return at(found);
      }
      return undefined;
    },
    layer(index) {
      const instruction = layerMap.get(index);
      return instruction ? at(instruction) : undefined;
    },
    isBaseLayer(index) {
      return index < firstOwn;
    },
    knowsBase() {
      return firstOwn !== Infinity && firstOwn > 0;
    },
    baseLayerDigests() {
      return image && firstOwn !== Infinity ? image.layerDigests.slice(0, firstOwn) : [];
    },
    instructionOfLayer(index) {
      return layerMap.get(index);
    },
    at,
  };
}

/**
 * Aligns the image's layers with the layer-making instructions, both from the top: BuildKit
 * records `RUN …`, `COPY …` and `ADD …` as the layer's created_by, so keywords must agree. WORKDIR
 * makes a layer only when it creates the directory; a WORKDIR with no layer is passed over.
 * Alignment stops at the first disagreement (an image not built from this Dockerfile).
 */
function mapLayers(instructions: Instruction[], filesystem: FilesystemEvidence): Map<number, Instruction> {
  const makers = instructions.filter((instruction) => LAYER_KEYWORDS.has(instruction.keyword));
  const map = new Map<number, Instruction>();
  let j = makers.length - 1;
  for (let i = filesystem.layers.length - 1; i >= 0 && j >= 0; i--) {
    const keyword = createdByKeyword(filesystem.layers[i].createdBy);
    while (j >= 0 && makers[j].keyword === 'WORKDIR' && keyword !== 'WORKDIR') j--;
    if (j < 0 || keyword !== makers[j].keyword) break;
    map.set(i, makers[j]);
    j--;
  }
  return map;
}

/** `RUN /bin/sh -c …`, `|2 A=b /bin/sh -c …` (classic builder RUN), `/bin/sh -c #(nop) COPY …`. */
export function createdByKeyword(createdBy: string | null): string | null {
  if (!createdBy) return null;
  const text = createdBy.trim().replace(/^\/bin\/sh -c #\(nop\)\s*/, '');
  if (/^\|\d+ /.test(text) || text.startsWith('/bin/sh -c ')) return 'RUN';
  const word = /^([A-Z]+)\b/.exec(text)?.[1];
  return word ?? null;
}
