import { type ImageUse, type Instruction, stageChain } from '../../evidence/dockerfile.js';
import { copySources } from '../../evidence/app-file.js';
import { parseImageReference, tagPinsVersion, tagVersionPrecision } from '../../util/image-reference.js';
import { type Verdict, defineCheck } from '../registry.js';
import { where } from '../where.js';
import {
  type RunCommand,
  built,
  instructions,
  pathsAt,
  runCommands,
  shippedStages,
  verdicts,
} from '../dockerfile-helpers.js';
import { permissionOperands } from '../../util/commands.js';

// Instruction hygiene: bases pinned, COPY over ADD, no sudo, absolute WORKDIR, pipefail, no SSH.

export const checkBaseImagePinned = defineCheck({
  id: 'HARD-DOCKERFILE-002',
  category: 'dockerfile',
  severity: 'warning',
  title: 'Base images are pinned',
  proves:
    'Every external image the build uses — each FROM, and each COPY --from that names an image rather than a stage (ARG defaults and build args applied) — names a version: not latest, no tag, or a floating tag (alpine, lts, stable, mainline, edge…); a digest (@sha256:…) is recommended. A reference written by the default of an ARG (`ARG BASE_IMAGE=…` then `FROM $BASE_IMAGE`) is judged on the line of that ARG, where it is changed: once per value, naming the lines that use it.',
  why: 'A floating tag means a different image each build: unreproducible images and surprise breakage. An image copied from is as much part of the stage as its base. A digest pins the exact bytes.',
  remediation:
    'Name a version tag (`python:3.11-slim`, `node:22.11-alpine`), and for release builds the digest too (`python:3.11-slim@sha256:…`).',
  hadolint: ['DL3006', 'DL3007'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const results: Verdict[] = [];
    // Findings on a reference an ARG's default writes, by that ARG and what is wrong: one each.
    const byArg = new Map<string, { arg: NonNullable<ImageUse['arg']>; verdict: Verdict; uses: ImageUse[] }>();
    const stages = new Set(built(dockerfile).map((stage) => stage.index));
    for (const use of dockerfile.images.filter((image) => stages.has(image.stage))) {
      const location = { file: dockerfile.path, line: use.line };
      const via = use.via === 'FROM' ? 'FROM ' : 'COPY --from=';
      if (use.unresolved.length > 0 || use.reference === '') {
        const args = use.unresolved.length > 0 ? ` (${use.unresolved.join(', ')})` : '';
        results.push({
          status: 'skip',
          message: `${via}${use.raw}: the image is set by a build argument without a default${args}`,
          location,
        });
        continue;
      }
      const judged = judgeReference(use);
      const arg = use.arg;
      if (!arg || judged.named) {
        const { problem, ...verdict } = judged.verdict;
        results.push({ ...verdict, message: `${via}${use.reference} ${problem}`, location });
        continue;
      }
      // `ARG BASE_IMAGE=…` then `FROM $BASE_IMAGE`: the version is changed on the ARG's line.
      const key = `${arg.line}\n${judged.verdict.status}\n${judged.verdict.severity ?? ''}\n${judged.verdict.problem}`;
      const group = byArg.get(key);
      if (group) group.uses.push(use);
      else {
        const { problem, ...rest } = judged.verdict;
        const verdict: Verdict = { ...rest, message: problem, location: { file: dockerfile.path, line: arg.line } };
        byArg.set(key, { arg, verdict, uses: [use] });
        results.push(verdict);
      }
    }
    for (const { arg, verdict, uses } of byArg.values())
      verdict.message = `ARG ${arg.name}=${arg.written} ${verdict.message} — used by ${usedBy(uses, arg.written)}`;
    results.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
    return results.length > 0
      ? results
      : { status: 'pass', message: 'no external base image', ...where(context.locate.finalFrom()) };
  },
});

/**
 * `FROM on lines 8 and 14`, `FROM node:22-alpine on lines 4, 13 and 28`,
 * `FROM a:1 on line 4 and FROM b:1 on line 30`.
 */
function usedBy(uses: ImageUse[], written: string): string {
  const groups = new Map<string, number[]>();
  for (const use of uses) {
    const what = use.reference === written ? use.via : `${use.via}${use.via === 'FROM' ? ' ' : '='}${use.reference}`;
    groups.set(what, [...(groups.get(what) ?? []), use.line]);
  }
  return listed(
    [...groups].map(
      ([what, lines]) => `${what} on ${lines.length === 1 ? 'line' : 'lines'} ${listed(lines.map(String))}`,
    ),
  );
}

const listed = (items: string[]): string =>
  items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/**
 * What a resolved reference pins: a verdict whose `problem` follows the reference (`uses latest`);
 * `named` when the finding is about a name with no stage (`COPY --from=templates`), which no ARG
 * changes.
 */
function judgeReference(use: ImageUse): {
  verdict: Omit<Verdict, 'message'> & { problem: string };
  named: boolean;
} {
  const { name, tag, digest } = parseImageReference(use.reference);
  if (digest) return { verdict: { status: 'pass', problem: 'is pinned by digest' }, named: false };
  if (tag === null && use.via === 'COPY --from' && /^[a-z0-9_-]+$/.test(use.reference))
    // `COPY --from=templates`: no stage has that name, so it is the image templates:latest —
    // unless the build passes a named context of that name, which a Dockerfile cannot show.
    return {
      verdict: {
        status: 'fail',
        severity: 'notice',
        problem: `names no stage of this Dockerfile: it is the image ${use.reference}:latest, unless the build passes a named context \`--build-context ${use.reference}=…\``,
      },
      named: true,
    };
  if (tag === null) return { verdict: { status: 'fail', problem: 'has no tag, so it means latest' }, named: false };
  if (!tagPinsVersion(tag)) {
    const floating =
      tag === 'latest' ? 'uses latest' : `uses :${tag}, a floating tag (it names a channel or variant, not a version)`;
    return { verdict: { status: 'fail', problem: floating }, named: false };
  }
  // `redis:7`, `python:3.11-slim`: the tag moves to each new release of that version.
  const precision = tagVersionPrecision(name, tag);
  const partial = precision === 'major' || precision === 'minor';
  return {
    verdict: {
      status: 'fail',
      severity: 'notice',
      problem: partial
        ? `names a ${precision} version only: the tag moves to each new release of it; name the full version (and a digest)`
        : 'is pinned by tag; a digest would pin the exact image',
    },
    named: false,
  };
}

const PACKAGE_INSTALL: Record<string, string[]> = {
  'apt-get': ['install'],
  apt: ['install'],
  apk: ['add'],
  yum: ['install'],
  dnf: ['install'],
  microdnf: ['install'],
};

/** `apt-get install … <name> …`, `apk add … <name>=1.2 …`: the command installs that package. */
function installsPackage(command: RunCommand, name: string): boolean {
  const verbs = PACKAGE_INSTALL[command.program];
  const verb = command.args.find((arg) => !arg.startsWith('-'));
  return (
    verbs !== undefined &&
    verb !== undefined &&
    verbs.includes(verb) &&
    command.args.some((arg) => arg.replace(/[=:].*$/, '') === name)
  );
}

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$/i;

export const checkCopyOverAdd = defineCheck({
  id: 'HARD-DOCKERFILE-010',
  cis: ['4.9'],
  category: 'dockerfile',
  severity: 'warning',
  title: 'COPY where ADD is not needed',
  proves: 'ADD is used only for what COPY cannot do: extracting a local tar archive or fetching a URL.',
  why: 'ADD silently extracts archives and fetches URLs; for plain files that surprise is a risk, and COPY says what happens.',
  remediation: 'Use COPY for local files and directories.',
  hadolint: ['DL3020'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const offenders = instructions(built(dockerfile), 'ADD')
      .filter(({ instruction }) => instruction.heredocs.length === 0)
      .filter(({ instruction }) =>
        copySources(instruction).some(
          (source) => !/^[a-z]+:\/\//i.test(source) && !/^git@/.test(source) && !ARCHIVE.test(source),
        ),
      )
      .map(({ instruction }) => ({
        instruction,
        message: `ADD ${instruction.args} copies local files: COPY does that without ADD's extraction`,
      }));
    return verdicts(offenders, context, 'no ADD where COPY fits');
  },
});

export const checkNoSudo = defineCheck({
  id: 'HARD-DOCKERFILE-011',
  category: 'dockerfile',
  severity: 'warning',
  title: 'No sudo',
  proves: 'No RUN of the stages the target builds runs a command through sudo or installs the sudo package.',
  why: 'RUN already runs as the current USER; sudo in an image means a setuid binary and a sudoers policy that ship with it.',
  remediation: 'Switch user with USER around the steps that need root instead.',
  hadolint: ['DL3004'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const offenders = runCommands(built(dockerfile)).flatMap((command) => {
      const words = command.command.words;
      if (words.slice(0, words.length - command.args.length - 1).includes('sudo'))
        return [
          { instruction: command.instruction, message: `\`${words.join(' ')}\` runs ${command.program} through sudo` },
        ];
      // The package, not a word that merely reads `sudo` (a group name in `useradd -G sudo`).
      if (installsPackage(command, 'sudo'))
        return [
          {
            instruction: command.instruction,
            message: `${command.program} ${command.args.find((arg) => !arg.startsWith('-'))} installs the sudo package: a setuid-root binary and a sudoers policy`,
          },
        ];
      return [];
    });
    return verdicts(offenders, context, 'no sudo');
  },
});

export const checkAbsoluteWorkdir = defineCheck({
  id: 'HARD-DOCKERFILE-012',
  category: 'dockerfile',
  severity: 'warning',
  title: 'WORKDIR is absolute',
  proves: 'Every WORKDIR is an absolute path (or starts with a variable).',
  why: 'A relative WORKDIR depends on every WORKDIR before it, including those of the base image.',
  remediation: 'Write `WORKDIR /app`.',
  hadolint: ['DL3000'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const offenders = instructions(built(dockerfile), 'WORKDIR')
      .filter(({ instruction }) => !/^["']?(\/|\$)/.test(instruction.args))
      .map(({ instruction }) => ({ instruction, message: `WORKDIR ${instruction.args} is relative` }));
    return verdicts(offenders, context, 'every WORKDIR is absolute');
  },
});

export const checkPipefail = defineCheck({
  id: 'HARD-DOCKERFILE-014',
  category: 'dockerfile',
  severity: 'warning',
  title: 'RUN pipes fail when a command in them fails',
  proves: 'Every shell-form RUN with a pipe sets `set -o pipefail` first, or runs under a SHELL with -o pipefail.',
  why: 'Without pipefail only the last command of a pipe decides: `curl … | tar x` succeeds with a failed download.',
  remediation:
    'Add `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before the RUN, or start the RUN with `set -o pipefail &&`.',
  hadolint: ['DL4006'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const offenders: { instruction: Instruction; message: string }[] = [];
    for (const stage of built(dockerfile)) {
      let shellPipefail = false;
      for (const instruction of stage.instructions) {
        if (instruction.keyword === 'SHELL') shellPipefail = (instruction.exec ?? []).includes('pipefail');
        if (instruction.keyword !== 'RUN' || instruction.exec || shellPipefail) continue;
        const commands = runCommands([{ ...stage, instructions: [instruction] }]);
        const piped = commands.some((command) => command.command.next === '|');
        const setsPipefail = commands.some((command) => command.program === 'set' && command.args.includes('pipefail'));
        if (piped && !setsPipefail)
          offenders.push({
            instruction,
            message: 'a pipe without pipefail: only its last command decides whether the RUN succeeds',
          });
      }
    }
    return verdicts(offenders, context, 'every piped RUN fails on any failing command');
  },
});

export const checkNoSsh = defineCheck({
  id: 'HARD-DOCKERFILE-015',
  cis: ['5.7'],
  category: 'dockerfile',
  severity: 'warning',
  title: 'No SSH port exposed',
  proves: 'The shipped stages do not EXPOSE port 22.',
  why: 'An SSH server in a container is a second way in, with its own keys to leak; use `docker exec` for access.',
  remediation: 'Remove the SSH server and `EXPOSE 22`.',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const offenders = instructions(shippedStages(dockerfile), 'EXPOSE')
      .filter(({ instruction }) => instruction.args.split(/\s+/).some((port) => /^22(\/tcp)?$/.test(port)))
      .map(({ instruction }) => ({ instruction, message: 'EXPOSE 22 publishes SSH' }));
    return verdicts(offenders, context, 'port 22 is not exposed');
  },
});

export const checkCopyChown = defineCheck({
  id: 'HARD-DOCKERFILE-013',
  category: 'dockerfile',
  severity: 'warning',
  title: 'COPY --chown instead of a recursive chown',
  proves: 'No RUN changes ownership recursively (`chown -R`) of files a COPY or ADD in the same stage brought in.',
  why: 'A recursive chown rewrites every file into a new layer: the copied files ship twice, doubling their size.',
  remediation:
    'Set ownership while copying: `COPY --chown=<user>:<group> src/ /app/` (and keep code owned by root where the user need not write it).',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const offenders: { instruction: Instruction; message: string }[] = [];
    for (const stage of built(dockerfile)) {
      const chain = stageChain(dockerfile, stage.index);
      const copied: string[] = [];
      for (const instruction of stage.instructions) {
        const pathOf = pathsAt(dockerfile, chain, instruction.line);
        if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && instruction.flags.from === undefined) {
          const words = instruction.exec ?? instruction.args.split(/\s+/);
          const dest = pathOf(words[words.length - 1] ?? '.');
          if (dest !== null) copied.push(dest);
        }
        if (instruction.keyword !== 'RUN') continue;
        for (const command of runCommands([{ ...stage, instructions: [instruction] }])) {
          if (command.program !== 'chown') continue;
          const { paths, recursive } = permissionOperands('chown', command.args);
          if (!recursive) continue;
          const hit = paths
            .map(pathOf)
            .find(
              (target) =>
                target !== null &&
                copied.some(
                  (dest) => dest === target || dest.startsWith(`${target}/`) || target.startsWith(`${dest}/`),
                ),
            );
          if (hit) offenders.push({ instruction, message: `chown -R ${hit} rewrites copied files into a new layer` });
        }
      }
    }
    return verdicts(offenders, context, 'no recursive chown of copied files');
  },
});
