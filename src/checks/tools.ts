import { posix } from 'node:path';
import type { FileRecord, PackageManifest } from '../evidence/filesystem.js';
import { pathDirectories, resolveFile } from '../evidence/paths.js';
import { programOf, splitCommands } from '../evidence/shell.js';
import { devServerIn, packageScriptRun } from '../util/commands.js';
import { failPerLayer } from './per-layer.js';
import { type CheckContext, type Verdict, defineCheck } from './registry.js';
import { where } from './where.js';
import {
  type DockerfileEvidence,
  type Instruction,
  type Stage,
  configuredCommand,
  stageChain,
  variablesAt,
} from '../evidence/dockerfile.js';
import { clipped } from '../util/text.js';
import {
  type RunCommand,
  contextFiles,
  measuredBy,
  pathsAt,
  runCommands,
  shippedStages,
  verdicts,
  INSTALLERS,
  REMOVERS,
  BUILD_PACKAGES,
} from './dockerfile-helpers.js';
import { copiedTo } from '../evidence/copied.js';
import type { ManifestFacts } from '../evidence/scripts.js';
import type { Severity } from '../model.js';

// Build and development tools in what ships: found in the image's files (HARD-TOOLS-001, -003), or
// read from the Dockerfile (HARD-TOOLS-002, -004).

// Build tools found by the image's files, not by running `which` (which needs a shell): every
// executable on the image's PATH whose name is a forbidden tool, a versioned one (gcc-12) or a
// target-prefixed one (x86_64-linux-gnu-gcc).

export interface ToolFound {
  tool: string;
  path: string;
  layer: number;
}

export function findForbiddenTools(files: Record<string, FileRecord>, env: string[], tools: string[]): ToolFound[] {
  const dirs = new Set(pathDirectories(env));
  const patterns = tools.map((tool) => ({
    tool,
    pattern: new RegExp(
      `^(?:[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+(?:-[a-z0-9_]+)?-)?${tool.replace(/[.+^${}()|[\]\\*?]/g, '\\$&')}(?:-\\d+(?:\\.\\d+)*)?$`,
    ),
  }));
  const found = new Map<string, ToolFound>();
  for (const path of Object.keys(files)) {
    if (!dirs.has(posix.dirname(path))) continue;
    const name = posix.basename(path);
    const match = patterns.find((candidate) => candidate.pattern.test(name));
    if (!match) continue;
    const target = resolveFile(files, path);
    if (!target || target.type !== 'file' || (target.mode & 0o111) === 0) continue; // dangling or not executable
    // One entry per tool: the plain name wins over its versioned and prefixed forms.
    const previous = found.get(match.tool);
    if (!previous || (name === match.tool && posix.basename(previous.path) !== match.tool)) {
      found.set(match.tool, { tool: match.tool, path, layer: target.layer });
    }
  }
  return [...found.values()].sort((a, b) => a.tool.localeCompare(b.tool));
}

export const checkNoBuildTools = defineCheck({
  id: 'HARD-TOOLS-001',
  cis: ['4.3'],
  category: 'tools',
  severity: 'error',
  title: 'No build tools in the runtime image',
  proves:
    "No forbidden tool (compilers, linkers, make, debuggers…) is an executable on the image's PATH, found from the image's files (works without a shell).",
  why: 'A compiler in production lets an intruder build exploits on the spot, and adds size; the production profile rates it HIGH.',
  threshold:
    'forbidden-tools: gcc, g++, cc, c++, cpp, clang, clang++, make, cmake, ninja, ld, as, gfortran, rustc, cargo, go, javac, gdb, strace',
  remediation:
    'Install build tools only in a builder stage and copy the built artefacts (a virtualenv, a binary) into a clean runtime stage.',
  needs: ['image', 'filesystem'],
  run({ image, filesystem }, { settings, locate }) {
    const found = findForbiddenTools(filesystem.files, image.env, settings.forbiddenTools);
    if (found.length === 0)
      return {
        status: 'pass',
        message: `none of ${settings.forbiddenTools.length} forbidden tools is on the PATH (${pathDirectories(image.env).join(':')})`,
        measured: [],
      };
    return failPerLayer(
      found,
      filesystem,
      locate,
      (tools, from) => `${tools.map((tool) => `${tool.tool} (${tool.path})`).join(', ')} — added by ${from}`,
      (tools) => tools,
    );
  },
});

// What a hardened image leaves out (HARD-TOOLS-005): a shell to run commands in, and an OS
// package manager to install more with. busybox and toybox count as shells: `busybox sh` is one.
const SHELLS = ['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'csh', 'tcsh', 'fish', 'busybox', 'toybox'];
const PACKAGE_MANAGERS = [
  'apt',
  'apt-get',
  'aptitude',
  'dpkg',
  'apk',
  'yum',
  'dnf',
  'microdnf',
  'tdnf',
  'rpm',
  'zypper',
  'pacman',
];
const STANDARD_DIRS = ['/', '/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];

export interface ShellOrManager extends ToolFound {
  kind: 'shell' | 'package manager';
}

/** Shells and package managers that can run: on the PATH or in the usual directories, as a program or a link to one. */
export function findShellsAndPackageManagers(files: Record<string, FileRecord>, env: string[]): ShellOrManager[] {
  const dirs = new Set([...pathDirectories(env), ...STANDARD_DIRS]);
  const found: ShellOrManager[] = [];
  for (const [path, file] of Object.entries(files)) {
    if (!dirs.has(posix.dirname(path))) continue;
    const runnable =
      file.type === 'symlink' || file.type === 'hardlink' || (file.type === 'file' && (file.mode & 0o111) !== 0);
    if (!runnable) continue;
    const name = posix.basename(path);
    const kind = SHELLS.includes(name) ? 'shell' : PACKAGE_MANAGERS.includes(name) ? 'package manager' : null;
    if (kind) found.push({ tool: name, path, layer: file.layer, kind });
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

export const checkNoShellOrPackageManager = defineCheck({
  id: 'HARD-TOOLS-005',
  category: 'tools',
  severity: 'error',
  title: 'No shell and no package manager in the runtime image',
  proves:
    "No shell (sh, bash, dash, ash, zsh…, busybox, toybox) and no OS package manager (apt, apt-get, dpkg, apk, yum, dnf, rpm, zypper, pacman…) can run from the image: none on its PATH or in /, /bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin, as a program or a link. Found from the image's files. Judged at the severity of shell-and-package-manager: off in the production profile, error in hardened-image.",
  why: 'What an intruder does first is run a shell and install tools: an image with neither leaves them the service only. Hardened and distroless images ship without both.',
  threshold: 'shell-and-package-manager: off (profile hardened-image: error)',
  remediation:
    'Ship the service on a distroless or hardened base (or FROM scratch) and copy only the built program and what it loads; write the health check in exec form as a program of its own (`HEALTHCHECK CMD ["/app", "--health"]`).',
  needs: ['image', 'filesystem'],
  run({ image, filesystem }, { settings, locate }) {
    const severity = settings.shellAndPackageManager;
    if (severity === 'off')
      return {
        status: 'skip',
        message: 'shell-and-package-manager is off (profile production: a shell in the image is usual)',
      };
    const found = findShellsAndPackageManagers(filesystem.files, image.env);
    if (found.length === 0)
      return { status: 'pass', message: 'no shell and no package manager can run from the image', measured: [] };
    return failPerLayer(
      found,
      filesystem,
      locate,
      (items, from) => `${items.map((item) => `${item.kind} ${item.path}`).join(', ')} — added by ${from}`,
      (items) => items.map(({ kind, path }) => ({ kind, path })),
    ).map((verdict) => ({ ...verdict, severity }));
  },
});

/** Dev tools that are Python packages first (a name like `air` is also a web framework's). */
const PYTHON_DEV_PACKAGES = new Set(['pytest', 'debugpy', 'ipdb', 'ptvsd', 'pdbpp', 'pydevd']);

/**
 * Development tools in the image's files: executables on the PATH, in a top-level
 * node_modules/.bin (how npm ships a package's commands) or in a virtualenv's bin, and the
 * Python dev packages by their import directory (debugpy, pytest…). A versioned name (pytest-3) counts.
 */
export function findDevTools(files: Record<string, FileRecord>, env: string[], tools: string[]): ToolFound[] {
  const path = new Set(pathDirectories(env));
  const venvs = new Set(
    Object.keys(files)
      .filter((file) => posix.basename(file) === 'pyvenv.cfg')
      .map((file) => `${posix.dirname(file)}/bin`),
  );
  const isToolDir = (dir: string): boolean =>
    path.has(dir) ||
    venvs.has(dir) ||
    // node_modules/.bin of an application, not of a package inside another node_modules.
    (dir.endsWith('/node_modules/.bin') && dir.indexOf('/node_modules/') === dir.length - '/node_modules/.bin'.length);
  const escaped = (tool: string): string => tool.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
  const found = new Map<string, ToolFound>();
  const keep = (tool: string, file: string, layer: number): void => {
    if (!found.has(tool)) found.set(tool, { tool, path: file, layer });
  };
  for (const [file, record] of Object.entries(files)) {
    const name = posix.basename(file);
    const dir = posix.dirname(file);
    if (isToolDir(dir)) {
      const tool = tools.find((candidate) => new RegExp(`^${escaped(candidate)}(-\\d+(\\.\\d+)*)?$`).test(name));
      const target = tool ? resolveFile(files, file) : null;
      if (tool && target && target.type === 'file' && (target.mode & 0o111) !== 0) keep(tool, file, target.layer);
    } else if (name === '__init__.py' && /\/(site|dist)-packages\/[^/]+$/.test(dir)) {
      const tool = tools.find(
        (candidate) => PYTHON_DEV_PACKAGES.has(candidate) && candidate.replace(/-/g, '_') === posix.basename(dir),
      );
      if (tool) keep(tool, dir, record.layer);
    }
  }
  return [...found.values()].sort((a, b) => a.tool.localeCompare(b.tool));
}

/**
 * The development server a command line starts: by name (`nodemon app.js`, `npm run dev`), or
 * through the package.json scripts it runs (`npm start` whose script is `react-scripts start`), a
 * few levels deep: where the image's package.json has the script, what the script runs decides.
 * The chain of commands from the line to the server; null where it starts none.
 */
export function devServerStarted(line: string, manifest: PackageManifest | null, depth = 0): string[] | null {
  for (const command of splitCommands(line).map((simple) => programOf(simple.words))) {
    const run = packageScriptRun(command);
    const script = run && depth < 3 ? manifest?.scripts[run.script] : undefined;
    if (run && script !== undefined) {
      const inner = devServerStarted(script, manifest, depth + 1);
      if (inner) return [run.run, ...inner];
      continue;
    }
    const named = devServerIn([command]);
    if (named) return [named];
  }
  return null;
}

export const checkNoDevTools = defineCheck({
  id: 'HARD-TOOLS-003',
  category: 'tools',
  severity: 'warning',
  title: 'No development tools in the runtime image',
  proves:
    "No dev-tools (dev servers, watchers, test runners, debuggers) is in the image's files — on the PATH, in node_modules/.bin, in a virtualenv, or as a Python package — and the image's ENTRYPOINT/CMD does not start a development server (nodemon, vite, next dev, `npm run dev`, `uvicorn --reload`, `manage.py runserver`…).",
  why: 'Dev servers reload code from disk, expose debug endpoints and run unoptimised; debuggers attach to processes; all of them are code an attacker can use and that production does not need. They ship when devDependencies or dev extras are installed in the runtime stage.',
  threshold:
    'dev-tools: nodemon, ts-node-dev, node-dev, webpack-dev-server, vite, jest, mocha, vitest, pytest, debugpy, ipdb, dlv, air, gdbserver',
  remediation:
    'Install only production dependencies in the runtime stage (`npm ci --omit=dev`, `pip install` without dev extras) and start the production server (`node server.js`, `next start`, `gunicorn`).',
  needs: ['image', 'filesystem'],
  run({ image, filesystem }, { settings, locate }) {
    const verdicts: Verdict[] = [];
    const argv = [...(image.entrypoint ?? []), ...(image.cmd ?? [])];
    const server = devServerStarted(argv.join(' '), filesystem.packageManifest ?? null);
    if (server)
      verdicts.push({
        status: 'fail',
        message: `the image starts a development server: ${server.map((command) => `\`${command}\``).join(' runs ')}${server.length > 1 ? ` (the scripts of ${filesystem.packageManifest?.path})` : ''}`,
        measured: argv,
        ...where(locate.lastInstruction('CMD') ?? locate.lastInstruction('ENTRYPOINT') ?? locate.finalFrom()),
      });
    const found = findDevTools(filesystem.files, image.env, settings.devTools);
    if (found.length > 0)
      verdicts.push(
        ...failPerLayer(
          found,
          filesystem,
          locate,
          (tools, from) => `${tools.map((tool) => `${tool.tool} (${tool.path})`).join(', ')} — added by ${from}`,
          (tools) => tools,
        ),
      );
    return verdicts.length > 0
      ? verdicts
      : {
          status: 'pass',
          message: `none of ${settings.devTools.length} development tools is in the image, and it starts no development server`,
          measured: [],
        };
  },
});

export const checkDockerfileBuildTools = defineCheck({
  id: 'HARD-TOOLS-002',
  cis: ['4.3'],
  category: 'tools',
  severity: 'error',
  title: 'No build tools installed in the shipped stage',
  proves:
    'No RUN of the shipped stages installs a compiler or build tool package (gcc, g++, make, build-essential, build-base, clang…) that the same RUN does not remove again.',
  why: 'Tools installed in the final stage ship; the production profile moves compilers and -dev packages to a builder stage.',
  remediation: 'Install build tools in a builder stage and copy only the result into the runtime stage.',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const measured = measuredBy(context, 'filesystem', 'HARD-TOOLS-001');
    if (measured) return measured;
    const offenders: { instruction: Instruction; message: string }[] = [];
    const commands = runCommands(shippedStages(dockerfile));
    for (const command of commands) {
      const installer = INSTALLERS[command.program];
      if (!installer || !command.args.some((arg) => installer.test(arg))) continue;
      const sameRun = commands.filter(
        (other) => other.instruction === command.instruction && other.args.some((arg) => REMOVERS.test(arg)),
      );
      const removedLater = new Set(sameRun.flatMap((other) => other.args));
      // The official images' pattern: build deps marked auto and purged with --auto-remove, or
      // installed as an apk virtual package and deleted by that name, all in the same RUN.
      const autoRemoved = sameRun.some(
        (other) =>
          (other.program === 'apt-get' || other.program === 'apt') &&
          (other.args.includes('--auto-remove') || other.args.includes('autoremove')),
      );
      const virtual =
        command.program === 'apk'
          ? command.args[command.args.findIndex((arg) => arg === '--virtual' || arg === '-t') + 1]
          : undefined;
      if (autoRemoved || (virtual && removedLater.has(virtual))) continue;
      const tools = command.args.filter(
        (arg) => BUILD_PACKAGES.test(arg.replace(/[=:].*$/, '')) && !removedLater.has(arg),
      );
      if (tools.length > 0)
        offenders.push({
          instruction: command.instruction,
          message: `installs ${tools.join(', ')} in the shipped stage`,
        });
    }
    return verdicts(offenders, context, 'no build tool package is installed in the shipped stages');
  },
});

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
    const chain = shippedStages(dockerfile);
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
