import { posix } from 'node:path';
import { copySources, matchSource } from './app-file.js';
import type { ContextFile } from './context-file.js';
import {
  pathsAt,
  stageChain,
  variablesAt,
  type DockerfileEvidence,
  type Instruction,
  type Stage,
} from './dockerfile.js';
import { splitCommands } from './shell.js';
import { shown } from './variables.js';

// Which file of the image a COPY or ADD put at a path, and where it came from: a file of the build
// context (which the context evidence may have read), another stage or image, or a here-document.
// Pure: the Dockerfile and the context listing in, the source out.

export type CopiedFile =
  | {
      from: 'context';
      instruction: Instruction;
      /** The context file, where the listing is at hand and holds it; else null (only the Dockerfile was read). */
      contextPath: string | null;
    }
  | { from: 'stage'; instruction: Instruction }
  | { from: 'heredoc'; instruction: Instruction; text: string };

/** Where Docker looks up a command name without a slash when no ENV sets PATH. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The image paths a program word of ENTRYPOINT/CMD may be, in lookup order: resolved against the
 * last WORKDIR when it has a slash, else each directory of PATH (as ENV sets it, or Docker's default).
 */
export function programPaths(dockerfile: DockerfileEvidence, chain: Stage[], word: string): string[] {
  const end = Number.MAX_SAFE_INTEGER;
  if (word.includes('/')) {
    const path = pathsAt(dockerfile, chain, end)(word);
    return path === null ? [] : [path];
  }
  const path = variablesAt(dockerfile, chain, end)('PATH') ?? DEFAULT_PATH;
  return path
    .split(':')
    .filter((dir) => dir.startsWith('/'))
    .map((dir) => posix.join(dir, word));
}

/**
 * The last COPY or ADD of `chain` (before `beforeLine` in its last stage) that writes `imagePath`,
 * and where the file came from; null where none does (the base image's file, or one a RUN made).
 * From the context the destination follows Docker's rules: a file to the destination itself, or
 * into it when it is a directory (a trailing slash, several sources, or an existing directory,
 * which the Dockerfile cannot show — either reading is taken); a directory's contents under it.
 * A copy from another stage counts where it names the path itself; a directory copied from a
 * stage may or may not hold it and is passed over.
 */
export function copiedTo(
  dockerfile: DockerfileEvidence,
  chain: Stage[],
  imagePath: string,
  beforeLine: number,
  files: ContextFile[] | null,
): CopiedFile | null {
  let found: CopiedFile | null = null;
  chain.forEach((stage, position) => {
    const upTo = chain.slice(0, position + 1);
    for (const instruction of stage.instructions) {
      if (position === chain.length - 1 && instruction.line >= beforeLine) break;
      if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') continue;
      const words = instruction.exec ?? instruction.args.split(/\s+/).filter(Boolean);
      const destination = pathsAt(dockerfile, upTo, instruction.line)(words[words.length - 1] ?? '.');
      if (destination === null) continue;
      const hit = writes(dockerfile, upTo, instruction, destination, imagePath, files);
      if (hit) found = hit;
    }
  });
  return found;
}

function writes(
  dockerfile: DockerfileEvidence,
  chain: Stage[],
  instruction: Instruction,
  destination: string,
  imagePath: string,
  files: ContextFile[] | null,
): CopiedFile | null {
  const words = instruction.exec ?? instruction.args.split(/\s+/).filter(Boolean);
  const written = words[words.length - 1] ?? '';
  if (instruction.heredocs.length > 0) {
    // `COPY <<EOF /entrypoint.sh`: the body is the file.
    return destination === imagePath ? { from: 'heredoc', instruction, text: instruction.heredocs[0] } : null;
  }
  const sources = sourcesOf(dockerfile, chain, instruction);
  const intoDirectory = written.endsWith('/') || sources.length > 1;
  const prefix = destination === '/' ? '/' : `${destination}/`;
  const under = (path: string): string | null =>
    path === destination ? '' : path.startsWith(prefix) ? path.slice(prefix.length) : null;
  if (instruction.flags.from !== undefined) {
    const named = sources.some(
      (source) =>
        (!intoDirectory && destination === imagePath) || posix.join(destination, posix.basename(source)) === imagePath,
    );
    return named ? { from: 'stage', instruction } : null;
  }
  for (const source of sources) {
    const clean = source.replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/+$/, '');
    // What the listing holds decides; where it does not hold the file (a checkout that lacks it), the
    // Dockerfile alone is read.
    const matched = files === null ? [] : matchSource(source, files);
    if (matched.length > 0) {
      for (const file of matched) {
        const inside = clean === '' || clean === '.' || file.path.startsWith(`${clean}/`);
        const targets = inside
          ? [posix.join(destination, clean === '' || clean === '.' ? file.path : file.path.slice(clean.length + 1))]
          : [...(intoDirectory ? [] : [destination]), posix.join(destination, posix.basename(file.path))];
        if (targets.includes(imagePath)) return { from: 'context', instruction, contextPath: file.path };
      }
    }
    // Only the Dockerfile: the source is a file, a directory or a glob, which it cannot tell apart.
    const rest = under(imagePath);
    if (rest === null) continue;
    if (/[*?[]/.test(clean)) {
      const pattern = new RegExp(`^${globToRegExp(posix.basename(clean))}$`);
      if (rest !== '' && !rest.includes('/') && pattern.test(rest))
        return { from: 'context', instruction, contextPath: null };
      continue;
    }
    if ((rest === '' && !intoDirectory) || rest === posix.basename(clean))
      return { from: 'context', instruction, contextPath: null };
    // Under the destination: the contents of a directory source (`.`, `conf/`, `docker`), which a
    // name with an extension (`package.json`) is taken not to be.
    const directory = clean === '' || clean === '.' || source.endsWith('/') || !/\.[^./]+$/.test(clean);
    if (rest !== '' && directory) return { from: 'context', instruction, contextPath: null };
  }
  return null;
}

/** A COPY's sources with the build arguments and ENV in scope substituted (`COPY $BUNDLE_PATH /app/`). */
function sourcesOf(dockerfile: DockerfileEvidence, chain: Stage[], instruction: Instruction): string[] {
  const lookup = variablesAt(dockerfile, chain, instruction.line);
  return copySources(instruction).map((source) => shown(source, lookup));
}

function globToRegExp(glob: string): string {
  return glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
}

/**
 * The context files worth reading for what the image runs: those a COPY or ADD from the context
 * brings in whose name an ENTRYPOINT or CMD of any stage names (entrypoint and start scripts), and
 * the package.json files it brings in (outside node_modules).
 */
export function filesToRead(
  dockerfile: DockerfileEvidence,
  files: ContextFile[],
): { scripts: ContextFile[]; manifests: ContextFile[] } {
  const named = new Set<string>();
  for (const stage of dockerfile.stages)
    for (const instruction of stage.instructions) {
      if (instruction.keyword !== 'ENTRYPOINT' && instruction.keyword !== 'CMD') continue;
      const words = instruction.exec ?? splitCommands(instruction.args).flatMap((command) => command.words);
      for (const word of words.flatMap((text) => text.split(/\s+/)))
        if (word !== '' && !word.startsWith('-')) named.add(posix.basename(word));
    }
  const copied = new Map<string, ContextFile>();
  for (const stage of dockerfile.stages)
    for (const instruction of stage.instructions) {
      if ((instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') || instruction.flags.from !== undefined)
        continue;
      for (const source of sourcesOf(dockerfile, stageChain(dockerfile, stage.index), instruction))
        for (const file of matchSource(source, files)) copied.set(file.path, file);
    }
  const all = [...copied.values()];
  return {
    scripts: all.filter((file) => named.has(posix.basename(file.path))),
    manifests: all.filter(
      (file) => posix.basename(file.path) === 'package.json' && !/(^|\/)node_modules\//.test(file.path),
    ),
  };
}
