import { stageChain, type DockerfileEvidence, type Instruction } from './dockerfile.js';
import type { ContextFile } from './context-file.js';

// Which file stands for "the application" in a cache-ordering probe: one the Dockerfile copies
// from the context, preferably by the last such COPY of the shipped stage (the application code),
// a source file, and never a dependency manifest (changing one of those should re-run installs).

const MANIFESTS = new RegExp(
  '(^|/)(' +
    [
      'requirements[^/]*\\.txt',
      'constraints[^/]*\\.txt',
      'Pipfile(\\.lock)?',
      'pyproject\\.toml',
      'setup\\.(py|cfg)',
      'poetry\\.lock',
      'uv\\.lock',
      'package(-lock)?\\.json',
      'npm-shrinkwrap\\.json',
      'yarn\\.lock',
      'pnpm-lock\\.yaml',
      '\\.npmrc',
      '\\.yarnrc(\\.yml)?',
      'go\\.(mod|sum)',
      'Gemfile(\\.lock)?',
      'composer\\.(json|lock)',
      'pom\\.xml',
      '(build|settings)\\.gradle(\\.kts)?',
      'gradle\\.properties',
      'Cargo\\.(toml|lock)',
      '[^/]*\\.(csproj|fsproj|sln)',
      'packages\\.config',
      'mix\\.(exs|lock)',
      'Dockerfile[^/]*',
      '\\.dockerignore',
    ].join('|') +
    ')$',
);

const SOURCE = /\.(py|js|mjs|cjs|ts|tsx|jsx|go|java|kt|scala|rb|php|cs|fs|rs|c|cc|cpp|h|hpp|ex|exs|swift|html|css|sh)$/;

export function isDependencyManifest(path: string): boolean {
  return MANIFESTS.test(path);
}

/** The COPY/ADD instructions that read from the build context (no --from), in build order. */
export function contextCopies(dockerfile: DockerfileEvidence): { stage: number; instruction: Instruction }[] {
  const copies: { stage: number; instruction: Instruction }[] = [];
  dockerfile.stages.forEach((stage) => {
    for (const instruction of stage.instructions) {
      if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && instruction.flags.from === undefined)
        copies.push({ stage: stage.index, instruction });
    }
  });
  return copies;
}

/** Sources of a COPY/ADD (everything but the destination), exec or shell form. */
export function copySources(instruction: Instruction): string[] {
  const words = instruction.exec ?? instruction.args.split(/\s+/).filter(Boolean);
  return words.slice(0, -1).filter((word) => !/^[a-z]+:\/\//i.test(word) && !word.startsWith('<<'));
}

/** Context files a COPY source selects: `.`, a directory, a file, or a glob (`*` and `?` within a segment). */
export function matchSource(source: string, files: ContextFile[]): ContextFile[] {
  const clean = source.replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (clean === '' || clean === '.') return files;
  if (/[*?[]/.test(clean)) {
    const pattern = new RegExp(`^${clean.split('/').map(globSegment).join('/')}(/.*)?$`);
    return files.filter((file) => pattern.test(file.path));
  }
  return files.filter((file) => file.path === clean || file.path.startsWith(`${clean}/`));
}

function globSegment(segment: string): string {
  return segment
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
}

export function chooseApplicationFile(dockerfile: DockerfileEvidence, files: ContextFile[]): string | null {
  const shipped = new Set(stageChain(dockerfile).map((stage) => stage.index));
  const copies = contextCopies(dockerfile);
  // The shipped stage's last context COPY first, then the others from the last back.
  const ordered = [
    ...copies.filter((copy) => shipped.has(copy.stage)).reverse(),
    ...copies.filter((copy) => !shipped.has(copy.stage)).reverse(),
  ];
  for (const copy of ordered) {
    const selected = copySources(copy.instruction).flatMap((source) => matchSource(source, files));
    const candidates = selected
      .filter((file) => !isDependencyManifest(file.path))
      .map((file) => file.path)
      .sort();
    const chosen = candidates.find((path) => SOURCE.test(path)) ?? candidates[0];
    if (chosen) return chosen;
  }
  return null;
}
