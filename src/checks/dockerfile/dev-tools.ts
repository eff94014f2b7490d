import { posix } from 'node:path';
import { copiedTo } from '../../evidence/copied.js';
import {
  configuredCommand,
  stageChain,
  variablesAt,
  type DockerfileEvidence,
  type Instruction,
  type Stage,
} from '../../evidence/dockerfile.js';
import type { ManifestFacts } from '../../evidence/scripts.js';
import type { Severity } from '../../model.js';
import { programOf, splitCommands } from '../../evidence/shell.js';
import { devServerIn } from '../../util/commands.js';
import { clipped } from '../../util/text.js';
import { defineCheck, type CheckContext } from '../registry.js';
import { contextFiles, measuredBy, pathsAt, runCommands, shipped, verdicts, type RunCommand } from './helpers.js';

// Development tools in the shipped stages, read from the Dockerfile: a dev server as the image's
// command, a dev tool installed by name, or a JavaScript install that takes devDependencies along.
// A full run finds the tools in the image's files instead (HARD-TOOLS-003).

/** Installers that add packages by name, and the words after which the names come. */
function installedNames(command: RunCommand): string[] {
  const { program, args } = command;
  const names = (from: number): string[] =>
    args
      .slice(from)
      .filter((arg) => !arg.startsWith('-'))
      .map((arg) => arg.replace(/^(@[^/@]+\/)?([^@=<>~!\s[]+).*$/, '$1$2'));
  const verb = args.findIndex((arg) => !arg.startsWith('-'));
  const first = args[verb];
  if (program === 'npm' && ['install', 'i', 'add'].includes(first)) return names(verb + 1);
  if (program === 'pnpm' && ['add', 'install', 'i'].includes(first)) return names(verb + 1);
  if (program === 'yarn' && first === 'add') return names(verb + 1);
  if (program === 'yarn' && first === 'global' && args[verb + 1] === 'add') return names(verb + 2);
  if (/^pip[\d.]*$/.test(program) && first === 'install') return names(verb + 1);
  if (/^python[\d.]*$/.test(program) && args.slice(0, 3).join(' ') === '-m pip install') return names(3);
  if (
    (program === 'uv' && first === 'pip' && args[verb + 1] === 'install') ||
    (program === 'pipx' && first === 'install')
  )
    return names(program === 'uv' ? verb + 2 : verb + 1);
  if (program === 'go' && first === 'install') return names(verb + 1).map((path) => path.replace(/^.*\//, ''));
  if (['apt-get', 'apt', 'apk'].includes(program) && ['install', 'add'].includes(first)) return names(verb + 1);
  return [];
}

/** Where the RUN's mounts are (`--mount=type=cache,target=/root/.npm`), as absolute paths. */
function mountTargets(instruction: Instruction): string[] {
  return (instruction.flags.mount ?? '')
    .split(/\s+/)
    .flatMap((mount) => mount.split(',').filter((option) => /^(target|dst|destination)=/.test(option)))
    .map((option) => option.replace(/^[^=]*=/, '').replace(/\/+$/, ''));
}

/** The command from its program on (past `then`, `sudo`, assignments). */
const shown = (command: RunCommand): string => clipped([command.program, ...command.args].join(' '));

const PRODUCTION_FLAGS =
  /^(--omit=dev|--production|--prod|-P|--only=prod(uction)?|--no-dev|--without=dev|--only=main)$/;

/** `npm ci`, `npm install` with no package named, `yarn`, `yarn install`, `pnpm install`: every dependency. */
function installsAllDependencies(command: RunCommand): boolean {
  const { program, args } = command;
  const positional = args.filter((arg) => !arg.startsWith('-'));
  if (args.some((arg) => PRODUCTION_FLAGS.test(arg))) return false;
  if (command.command.words.some((word) => /^(NODE_ENV=production|NPM_CONFIG_PRODUCTION=true)$/i.test(word)))
    return false;
  if (program === 'npm')
    return positional[0] === 'ci' || (['install', 'i'].includes(positional[0]) && positional.length === 1);
  if (program === 'pnpm') return ['install', 'i'].includes(positional[0]) && positional.length === 1;
  // `yarn --version`, `yarn -h` ask; bare `yarn` (flags only) installs.
  if (program === 'yarn' && args.some((arg) => /^(-v|--version|-h|--help)$/.test(arg))) return false;
  if (program === 'yarn') return positional.length === 0 || (positional[0] === 'install' && positional.length === 1);
  return false;
}

/** A later step that drops devDependencies again: `npm prune --omit=dev`, `yarn workspaces focus --production`… */
function prunes(command: RunCommand): boolean {
  const { program, args } = command;
  return (
    (['npm', 'pnpm'].includes(program) && args[0] === 'prune') ||
    (program === 'yarn' && args.some((arg) => PRODUCTION_FLAGS.test(arg))) ||
    (program === 'rm' && args.some((arg) => /(^|\/)node_modules\/?$/.test(arg)))
  );
}

/**
 * The package.json an install at `imagePath`'s directory reads, as far as it can be known: read
 * from the build context where a COPY brought it from there (`facts`), else why it was not.
 */
function manifestAt(
  dockerfile: DockerfileEvidence,
  chain: Stage[],
  imagePath: string,
  command: RunCommand,
  context: CheckContext,
): { path: string; facts: ManifestFacts | null; why: string } {
  const copied = copiedTo(dockerfile, chain, imagePath, command.instruction.line, contextFiles(context));
  if (!copied) return { path: imagePath, facts: null, why: `no COPY from the build context brings ${imagePath}` };
  if (copied.from !== 'context')
    return {
      path: imagePath,
      facts: null,
      why: `${imagePath} comes from another stage or image (line ${copied.instruction.line})`,
    };
  if (copied.contextPath === null)
    return {
      path: imagePath,
      facts: null,
      why: `${imagePath} comes from the build context (line ${copied.instruction.line}), whose checkout here does not hold it`,
    };
  const manifests =
    context.evidence.context.state === 'collected' ? context.evidence.context.value.manifests : undefined;
  const facts = manifests?.[copied.contextPath] ?? null;
  return {
    path: copied.contextPath,
    facts,
    why: !facts
      ? `${copied.contextPath} could not be read as JSON`
      : `${copied.contextPath} declares workspaces, whose own devDependencies it does not list`,
  };
}

export const checkDockerfileDevTools = defineCheck({
  id: 'HARD-TOOLS-004',
  category: 'tools',
  severity: 'warning',
  title: 'No development tools set up in the shipped stage',
  proves:
    "The shipped stages' ENTRYPOINT/CMD does not start a development server (nodemon, vite, next dev, `npm run dev`, `uvicorn --reload`, `manage.py runserver`…), no RUN installs one of dev-tools by name, and no npm/yarn/pnpm install there takes devDependencies along (without --omit=dev/--production or NODE_ENV=production, and no prune after it) where the package.json it reads has any: that manifest is read from the build context where a COPY brings it from there; where it cannot be read, the finding is a notice.",
  why: 'What the shipped stage installs ships: dev servers reload code from disk and expose debug endpoints, devDependencies add test runners, bundlers and their dependencies to the attack surface and the size.',
  threshold: 'dev-tools (see HARD-TOOLS-003)',
  remediation:
    'Build in a builder stage and install only production dependencies in the runtime stage (`npm ci --omit=dev`, or `ENV NODE_ENV=production` before `npm ci`); start the production server (`CMD ["node", "server.js"]`).',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const measured = measuredBy(context, 'filesystem', 'HARD-TOOLS-003');
    if (measured) return measured;
    const chain = shipped(dockerfile);
    const offenders: { instruction: Instruction; message: string; severity?: Severity }[] = [];
    const { entrypoint, cmd } = configuredCommand(chain);
    const starts = [...(entrypoint?.words ?? []), ...(cmd?.words ?? [])];
    const server = devServerIn(splitCommands(starts.join(' ')).map((command) => programOf(command.words)));
    const starter = cmd ?? entrypoint;
    if (server && starter)
      offenders.push({
        instruction: starter.instruction,
        message: `the image starts a development server: \`${server}\``,
      });
    const commands = runCommands(chain);
    commands.forEach((command, index) => {
      const tools = installedNames(command).filter((name) => context.settings.devTools.includes(name));
      if (tools.length > 0) {
        offenders.push({
          instruction: command.instruction,
          message: `\`${shown(command)}\` installs ${tools.join(', ')} in the shipped stage`,
        });
        return;
      }
      if (!installsAllDependencies(command)) return;
      const stageChainOf = stageChain(dockerfile, command.stage.index);
      // Installed inside a RUN mount (`--mount=type=bind,…,target=/src` then `cd /src`): the
      // mount's content is not kept in the layer, so nothing of it ships.
      const pathOf = pathsAt(dockerfile, stageChainOf, command.instruction.line);
      const cd = commands
        .slice(0, index)
        .filter((other) => other.instruction === command.instruction && other.program === 'cd')
        .pop()?.args[0];
      const dir = (cd !== undefined ? pathOf(cd) : pathOf('.')) ?? '';
      if (mountTargets(command.instruction).some((target) => dir === target || dir.startsWith(`${target}/`))) return;
      const env = variablesAt(dockerfile, stageChainOf, command.instruction.line);
      if (env('NODE_ENV') === 'production' || /^(true|1)$/i.test(env('NPM_CONFIG_PRODUCTION') ?? '')) return;
      if (/(^|\s)dev(\s|$)/.test(env('NPM_CONFIG_OMIT') ?? '')) return;
      if (commands.slice(index + 1).some(prunes)) return;
      // Whether there are any is the manifest's to say: the package.json the install reads.
      const manifest =
        dir === '' ? null : manifestAt(dockerfile, stageChainOf, posix.join(dir, 'package.json'), command, context);
      const facts = manifest?.facts;
      if (facts && facts.devDependencies.length === 0 && !facts.workspaces) return;
      const unguarded = 'no --omit=dev or --production, NODE_ENV is not production, nothing prunes them after';
      if (facts && facts.devDependencies.length > 0) {
        const names = facts.devDependencies;
        const listed = names.length > 5 ? `${names.slice(0, 5).join(', ')}…` : names.join(', ');
        offenders.push({
          instruction: command.instruction,
          message: `\`${shown(command)}\` installs the ${names.length} devDependencies of ${manifest.path} (${listed}) too (${unguarded}): they ship`,
        });
        return;
      }
      offenders.push({
        instruction: command.instruction,
        severity: 'notice',
        message: `\`${shown(command)}\` installs devDependencies if the manifest has any (${unguarded}); ${manifest?.why ?? 'where it installs could not be worked out'}, so whether it has any is not known`,
      });
    });
    offenders.sort((a, b) => a.instruction.line - b.instruction.line);
    return verdicts(
      offenders,
      context,
      'the shipped stages start no development server and install no development tools',
    );
  },
});
