import { posix } from 'node:path';
import type { FileRecord } from '../evidence/filesystem.js';
import { pathDirectories, resolveFile } from '../evidence/paths.js';
import { failPerLayer } from './per-layer.js';
import { defineCheck } from './registry.js';

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
