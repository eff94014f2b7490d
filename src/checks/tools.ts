import { posix } from 'node:path';
import type { FileRecord, PackageManifest } from '../evidence/filesystem.js';
import { pathDirectories, resolveFile } from '../evidence/paths.js';
import { programOf, splitCommands } from '../evidence/shell.js';
import { devServerIn, packageScriptRun } from '../util/commands.js';
import { failPerLayer } from './per-layer.js';
import { defineCheck, type Verdict } from './registry.js';
import { where } from './where.js';

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
