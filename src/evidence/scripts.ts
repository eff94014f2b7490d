import { posix } from 'node:path';
import { privilegeDrop } from '../util/commands.js';
import { programOf, splitCommands } from './shell.js';

// What a file from the build context says about the image it is copied into, read once where the
// files are read: an entrypoint script (what it execs, whether it drops root) and a package.json
// (its devDependencies). Facts, never verdicts; the checks decide what they mean.

export interface ScriptFacts {
  /** The program its `#!` line runs (`sh`, `bash`, `python3`), past `env` and s6's `with-contenv`; null without one. */
  interpreter: string | null;
  /** A shell script: a shell on its `#!` line, or no `#!` line and a `.sh` or `.bash` name. */
  shell: boolean;
  /** Each command it replaces itself with (`exec supervisord -n`, `exec "$@"`): its words, from the program on. */
  execs: { words: string[]; line: number | null }[];
  /**
   * The first privilege drop it runs (gosu, su-exec, s6-setuidgid, setpriv, chroot --userspec),
   * with its line. In a script that is not a shell script: the first string naming one of them
   * (`os.execv("/usr/sbin/gosu", …)`), as such scripts hand over to it.
   */
  drop: { program: string; line: number | null } | null;
}

export interface ManifestFacts {
  /** The names under devDependencies. */
  devDependencies: string[];
  /** It declares workspaces: an install also installs their devDependencies, which it does not list. */
  workspaces: boolean;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh']);
/** `exec` with redirections only (`exec >log 2>&1`) replaces nothing. */
const REDIRECTION = /^(\d*[<>]|&>)/;

export function scriptFacts(path: string, text: string): ScriptFacts {
  const interpreter = interpreterOf(text);
  const shell = interpreter !== null ? SHELLS.has(interpreter) : /\.(sh|bash)$/.test(path);
  const lines = text.split(/\r?\n/);
  if (!shell) {
    const named = /(["'])(?:\/[\w./-]*\/)?(gosu|su-exec|s6-setuidgid)\1/.exec(text);
    return {
      interpreter,
      shell,
      execs: [],
      drop: named ? { program: named[2], line: lineOf(lines, (line) => line.includes(named[0])) } : null,
    };
  }
  const execs: ScriptFacts['execs'] = [];
  let drop: ScriptFacts['drop'] = null;
  const usedLines = new Set<number>();
  for (const command of splitCommands(text)) {
    const { program, args } = programOf(command.words);
    const found = privilegeDrop(command.words);
    if (found && !drop) drop = { program: found, line: lineOf(lines, (line) => commandOn(line, found.split(' ')[0])) };
    const execAt = command.words.indexOf('exec');
    if (execAt === -1 || execAt >= command.words.length - args.length - 1) continue;
    const words = command.words.slice(command.words.length - args.length - 1);
    if (program === '' || REDIRECTION.test(words[0])) continue;
    const line = lineOf(
      lines,
      (text, index) => !usedLines.has(index) && new RegExp(`\\bexec\\s+(\\S+\\s+)*?\\S*${escape(words[0])}`).test(text),
    );
    if (line !== null) usedLines.add(line - 1);
    execs.push({ words, line });
  }
  return { interpreter, shell, execs, drop };
}

/** The program of a `#!` line: `#!/usr/bin/env bash` → bash, `#!/command/with-contenv sh` → sh. */
function interpreterOf(text: string): string | null {
  const match = /^#!\s*(.*)/.exec(text);
  if (!match) return null;
  const words = match[1].trim().split(/\s+/);
  let i = 0;
  while (i < words.length - 1 && /^(env|with-contenv)$/.test(posix.basename(words[i]))) {
    i++;
    while (i < words.length - 1 && words[i].startsWith('-')) i++;
  }
  return posix.basename(words[i] ?? '') || null;
}

/** The 1-based line of the first line (outside comments) that satisfies `test`. */
function lineOf(lines: string[], test: (line: string, index: number) => boolean): number | null {
  const index = lines.findIndex((line, i) => {
    const code = line.replace(/(^|\s)#.*$/, '');
    return code.trim() !== '' && test(code, i);
  });
  return index === -1 ? null : index + 1;
}

const commandOn = (line: string, program: string): boolean =>
  new RegExp(`(^|[\\s;&|(/])${escape(program)}(\\s|$)`).test(line);

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A package.json's devDependencies and workspaces; null where it is not JSON. */
export function manifestFacts(text: string): ManifestFacts | null {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const manifest = parsed as { devDependencies?: unknown; workspaces?: unknown };
    const dev = manifest.devDependencies;
    return {
      devDependencies: typeof dev === 'object' && dev !== null ? Object.keys(dev) : [],
      workspaces: manifest.workspaces !== undefined,
    };
  } catch {
    return null;
  }
}
