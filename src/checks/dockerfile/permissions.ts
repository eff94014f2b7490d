import { stageChain, type DockerfileEvidence, type Instruction } from '../../evidence/dockerfile.js';
import type { Severity } from '../../model.js';
import { permissionOperands } from '../../util/commands.js';
import { clipped } from '../../util/text.js';
import { defineCheck, type Verdict } from '../registry.js';
import { pathsAt, runCommands, shippedStages } from '../dockerfile-helpers.js';

// Modes that let any user of the container write: what a RUN chmod, a `mkdir -m`, an
// `install -m` or a `COPY --chmod` of the shipped stages grants. How bad that is depends on the
// path: a system directory or file world-writable is a way to root (replace what root runs); an
// application tree world-writable lets any process rewrite the code; one data or cache directory
// is a smell; a temporary directory with the sticky bit (1777) is how /tmp is meant to be.

/** Where root's programs, libraries and configuration live (shared data under /usr/share is not). */
const SYSTEM =
  /^\/($|(bin|sbin|lib|lib32|lib64|libx32|etc|boot|root)(\/|$)|usr\/?$|usr\/(?!share\/|local\/share\/)|var\/?$|var\/(lib|spool)\/?$)/;
const TEMPORARY = /^\/(tmp|var\/tmp|dev\/shm|run\/lock|var\/lock)(\/|$)/;

/** What a mode grants: writable by others, and whether the sticky bit is set alongside. */
export function worldWritable(mode: string): { writable: boolean; sticky: boolean } | null {
  if (/^[0-7]{3,4}$/.test(mode)) {
    const digits = mode.padStart(4, '0');
    return { writable: (Number(digits[3]) & 2) !== 0, sticky: (Number(digits[0]) & 1) !== 0 };
  }
  const clauses = mode.split(',');
  if (!clauses.every((clause) => /^[ugoa]*([-+=][rwxXst]*)+$/.test(clause))) return null;
  let writable = false;
  let sticky = false;
  for (const clause of clauses) {
    const who = /^[ugoa]*/.exec(clause)![0];
    // No `who` means `a` as the umask allows: Docker's 022 keeps w from group and others.
    const others = who.includes('o') || who.includes('a');
    for (const [, op, perms] of clause.slice(who.length).matchAll(/([-+=])([rwxXst]*)/g)) {
      if (op === '-') continue;
      if (others && perms.includes('w')) writable = true;
      if ((others || who === '') && perms.includes('t')) sticky = true;
    }
  }
  return { writable, sticky };
}

interface Grant {
  instruction: Instruction;
  what: string;
  mode: string;
  path: string;
  recursive: boolean;
}

/** Every mode a RUN or COPY/ADD of the stages gives, with the path it gives it to (as resolved, or as written). */
function grants(dockerfile: DockerfileEvidence): Grant[] {
  const found: Grant[] = [];
  for (const stage of shippedStages(dockerfile)) {
    const chain = stageChain(dockerfile, stage.index);
    for (const instruction of stage.instructions) {
      const pathOf = (written: string): string => pathsAt(dockerfile, chain, instruction.line)(written) ?? written;
      if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && instruction.flags.chmod) {
        const words = instruction.exec ?? instruction.args.split(/\s+/);
        const dest = words[words.length - 1] ?? '.';
        found.push({
          instruction,
          what: `${instruction.keyword} --chmod=${instruction.flags.chmod}`,
          mode: instruction.flags.chmod,
          path: pathOf(dest),
          recursive: true,
        });
      }
      if (instruction.keyword !== 'RUN') continue;
      for (const command of runCommands([{ ...stage, instructions: [instruction] }])) {
        const words = command.command.words;
        if (command.program === 'chmod') {
          const { spec, paths, recursive } = permissionOperands('chmod', command.args);
          if (spec)
            for (const path of paths)
              found.push({ instruction, what: words.join(' '), mode: spec, path: pathOf(path), recursive });
        } else if (command.program === 'mkdir' || command.program === 'install') {
          const { mode, paths } = modeOperands(command.program, command.args);
          if (mode)
            for (const path of paths)
              found.push({ instruction, what: words.join(' '), mode, path: pathOf(path), recursive: false });
        } else if (command.program === 'find') {
          // find /app -type d -exec chmod 777 {} +: the mode reaches everything under the start points.
          const exec = command.args.findIndex(
            (arg, i) => (arg === '-exec' || arg === '-execdir') && command.args[i + 1] === 'chmod',
          );
          if (exec < 0) continue;
          const mode = command.args.slice(exec + 2).find((arg) => !arg.startsWith('-') || /^-[rwxXst]+$/.test(arg));
          const firstTest = command.args.findIndex((arg) => /^[-(!]/.test(arg));
          const starts = command.args.slice(0, firstTest === -1 ? command.args.length : firstTest);
          if (mode)
            for (const path of starts.length > 0 ? starts : ['.'])
              found.push({ instruction, what: words.join(' '), mode, path: pathOf(path), recursive: true });
        }
      }
    }
  }
  return found;
}

/** `mkdir -p -m 777 a b`, `install -d -m0777 d`, `install --mode=755 -o app src dest`: the mode and what gets it. */
function modeOperands(program: 'mkdir' | 'install', args: string[]): { mode: string | null; paths: string[] } {
  let mode: string | null = null;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-m' || arg === '--mode') mode = args[++i] ?? null;
    else if (/^--mode=/.test(arg)) mode = arg.slice('--mode='.length);
    else if (/^-m./.test(arg)) mode = arg.slice(2);
    else if (program === 'install' && /^(-[ogtSZ]|--(owner|group|target-directory|suffix))$/.test(arg)) i++;
    else if (!arg.startsWith('-')) operands.push(arg);
  }
  // install without -d copies its sources to the last operand.
  const directories = program === 'mkdir' || args.includes('-d') || args.includes('--directory');
  return { mode, paths: directories ? operands : operands.slice(-1) };
}

export const checkWorldWritable = defineCheck({
  id: 'HARD-DOCKERFILE-016',
  category: 'dockerfile',
  severity: 'error',
  title: 'Nothing is made world-writable',
  proves:
    'No chmod, `mkdir -m`, `install -m` or `COPY --chmod` of the shipped stages makes a path writable by any user (777, 666, o+w, a+w…), except a temporary directory with the sticky bit (1777, +t).',
  why: 'A system path any user can write (/, /usr, /etc, /bin…) lets any process of the container replace what root runs: a way to root. An application tree anyone can write turns any foothold into changed code.',
  remediation:
    'Give the directory to the user that needs it (`COPY --chown=app:app`, `chown app /data`) with 755/750; for a shared scratch directory use 1777 (sticky) like /tmp.',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const verdicts: Verdict[] = [];
    const seen = new Set<string>();
    for (const grant of grants(dockerfile)) {
      const bits = worldWritable(grant.mode);
      if (!bits?.writable) continue;
      const key = `${grant.instruction.line} ${grant.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const finding = judge(grant, bits.sticky);
      if (finding)
        verdicts.push({
          status: 'fail',
          severity: finding.severity,
          message: `\`${clipped(grant.what)}\` makes ${grant.path} writable by any user: ${finding.why}`,
          measured: grant.path,
          location: context.locate.at(grant.instruction),
        });
    }
    return verdicts.length > 0
      ? verdicts
      : { status: 'pass', message: 'no path of the shipped stages is made writable by any user' };
  },
});

function judge(grant: Grant, sticky: boolean): { severity: Severity; why: string } | null {
  if (TEMPORARY.test(grant.path))
    return sticky
      ? null
      : {
          severity: 'notice',
          why: "a temporary directory without the sticky bit lets any user delete or replace the others' files (use 1777)",
        };
  if (SYSTEM.test(grant.path) || (grant.recursive && grant.path === '/'))
    return {
      severity: 'error',
      why: 'a system path anyone can write lets any process of the container replace what root runs',
    };
  if (grant.recursive)
    return {
      severity: 'warning',
      why: 'everything under it, code included, can be rewritten by any process of the container',
    };
  return {
    severity: 'notice',
    why: 'give it to the user that needs it (chown) rather than to everyone',
  };
}
