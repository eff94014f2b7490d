import type { Instruction } from '../../evidence/dockerfile.js';
import { defineCheck } from '../registry.js';
import { built, instructions, runCommands, shippedStages, verdicts, type RunCommand } from '../dockerfile-helpers.js';

// Package managers in the shipped stages: what they leave in the image (caches, lists,
// recommended extras) and what makes builds unrepeatable.

const isApt = (command: RunCommand): boolean => command.program === 'apt-get' || command.program === 'apt';
/** apt's options that take the next word as their value (`-o Dpkg::Options::=--force-confnew`). */
const APT_VALUE_OPTIONS = new Set(['-o', '-c', '-t', '--option', '--config-file', '--target-release']);
const aptVerb = (command: RunCommand): string | undefined =>
  command.args.find((arg, index) => !arg.startsWith('-') && !APT_VALUE_OPTIONS.has(command.args[index - 1] ?? ''));
const APT_CONSUMERS = new Set([
  'install',
  'download',
  'source',
  'build-dep',
  'upgrade',
  'dist-upgrade',
  'full-upgrade',
]);

const APT_LISTS = '/var/lib/apt/lists';

/**
 * `rm` removing the apt lists: the lists or a path in them (`/var/lib/apt/lists/*`), or, with -r,
 * a directory above them (`/var/lib/apt`, `/var/lib`, `/var`) or everything in one (`/var/lib/*`).
 */
function removesAptLists(command: RunCommand): boolean {
  if (command.program !== 'rm') return false;
  const recursive = command.args.some((arg) => /^-[a-zA-Z]*[rR]/.test(arg) || arg === '--recursive');
  return command.args
    .filter((arg) => arg.startsWith('/'))
    .map((arg) => arg.replace(/\/+$/, ''))
    .some((arg) => {
      if (arg.startsWith(APT_LISTS)) return true;
      if (!recursive) return false;
      const directory = arg.endsWith('/*') ? arg.slice(0, -2) : arg;
      return directory === '' || APT_LISTS.startsWith(`${directory}/`);
    });
}

/** `--mount=type=tmpfs|cache,target=…` on the lists or a directory above them: the lists never reach the layer. */
function mountsAptLists(instruction: Instruction): string | null {
  for (const mount of (instruction.flags.mount ?? '').split(/\s+/)) {
    const options = Object.fromEntries(
      mount.split(',').map((option) => [option.replace(/=.*$/, ''), option.replace(/^[^=]*=?/, '')]),
    );
    const type = options.type ?? 'bind';
    const target = (options.target ?? options.dst ?? options.destination ?? '').replace(/\/+$/, '');
    if (
      (type === 'tmpfs' || type === 'cache') &&
      target !== '' &&
      (target === APT_LISTS || APT_LISTS.startsWith(`${target}/`))
    )
      return `--mount=type=${type},target=${target}`;
  }
  return null;
}

/** A command that reads the package lists fetched before it in the same RUN, or removes them. */
/** Commands that read no package lists: what may sit beside an update that is alone. */
const INERT = /^(true|false|:|echo|printf|set|export|test|\[|sleep|cd|mkdir|ln|touch|chmod|chown|apt-get|apt|rm)$/;

function usesAptLists(command: RunCommand): boolean {
  if (isApt(command)) return APT_CONSUMERS.has(aptVerb(command) ?? '');
  if (command.program === 'apt-cache') return true;
  if (command.program === 'rm') return removesAptLists(command);
  // Installers that call apt-get install themselves.
  return command.args.includes('--with-deps') || command.args.includes('install-deps');
}

/** An install that names what it installs (`apt-get install -y curl`), not `apt-get -f install` alone. */
const namesPackages = (command: RunCommand): boolean => {
  const verb = command.args.indexOf('install');
  return command.args.slice(verb + 1).some((arg) => !arg.startsWith('-'));
};

const sameRun = (commands: RunCommand[], instruction: Instruction): RunCommand[] =>
  commands.filter((command) => command.instruction === instruction);

export const checkAptRecommends = defineCheck({
  id: 'HARD-DOCKERFILE-003',
  cis: ['4.3'],
  category: 'dockerfile',
  severity: 'warning',
  title: 'apt-get install --no-install-recommends',
  proves:
    'Every apt-get install in the shipped stages passes --no-install-recommends (or sets APT::Install-Recommends=false).',
  why: 'Recommended packages are rarely needed at runtime and can add hundreds of megabytes.',
  remediation: 'Write `apt-get install -y --no-install-recommends <packages>`.',
  hadolint: ['DL3015'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const installs = runCommands(shippedStages(dockerfile)).filter(
      (command) =>
        isApt(command) &&
        aptVerb(command) === 'install' &&
        !command.args.some((arg) => arg === '--no-install-recommends' || /Install-Recommends=(false|0)/i.test(arg)),
    );
    // One finding per RUN that names every such install in it, those that name packages first:
    // `apt-get -f install` alone would hide the `apt-get install -y dotnet-sdk` after it.
    const byRun = new Map<Instruction, RunCommand[]>();
    for (const command of installs)
      byRun.set(command.instruction, [...(byRun.get(command.instruction) ?? []), command]);
    const offenders = [...byRun].map(([instruction, commands]) => {
      const ordered = [...commands.filter(namesPackages), ...commands.filter((command) => !namesPackages(command))];
      const named = ordered.map((command) => `\`${command.command.words.join(' ')}\``);
      return {
        instruction,
        message:
          named.length === 1
            ? `${named[0]} installs recommended packages too`
            : `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]} install recommended packages too`,
      };
    });
    return verdicts(offenders, context, 'every apt-get install skips recommended packages');
  },
});

export const checkAptListsRemoved = defineCheck({
  id: 'HARD-DOCKERFILE-004',
  category: 'dockerfile',
  severity: 'warning',
  title: 'apt lists removed in the same RUN',
  proves:
    'Every RUN of the shipped stages that runs apt-get update (or apt update) keeps the lists out of its layer: it removes them (`rm -rf /var/lib/apt/lists/*`, or a directory above them such as `rm -rf /var/lib`, or `apt-get dist-clean`), or fetches them into a `--mount=type=tmpfs` or `type=cache` on /var/lib/apt/lists or a directory above it.',
  why: 'Package lists removed in a later RUN still ship in the earlier layer (tens of megabytes).',
  remediation: 'End the RUN that installs with `&& rm -rf /var/lib/apt/lists/*`.',
  hadolint: ['DL3009'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const commands = runCommands(shippedStages(dockerfile));
    const offenders = commands
      .filter((command) => isApt(command) && aptVerb(command) === 'update')
      .filter((command) => mountsAptLists(command.instruction) === null)
      // `apt-get dist-clean` (apt ≥ 2.7, Debian trixie) removes the lists too.
      .filter(
        (command) =>
          !sameRun(commands, command.instruction).some(
            (other) => removesAptLists(other) || (isApt(other) && aptVerb(other) === 'dist-clean'),
          ),
      )
      .map((command) => ({
        instruction: command.instruction,
        message: `${command.program} update without \`rm -rf /var/lib/apt/lists/*\` in the same RUN (nor a tmpfs or cache mount there): the lists ship in this layer`,
      }));
    return verdicts(offenders, context, 'apt lists are removed, or kept in a mount, where they are fetched');
  },
});

export const checkAptUpdateAlone = defineCheck({
  id: 'HARD-DOCKERFILE-005',
  cis: ['4.7'],
  category: 'dockerfile',
  severity: 'warning',
  title: 'apt-get update in the same RUN as install',
  proves:
    'No RUN runs apt-get update and leaves the lists for a later RUN: the same RUN uses them (apt-get install, download, source, build-dep, apt-cache, an installer such as `playwright install --with-deps`) or removes them.',
  why: 'A cached `RUN apt-get update` layer keeps stale lists: a later install in another RUN then fetches outdated or missing versions.',
  remediation:
    'Combine them: `RUN apt-get update && apt-get install -y --no-install-recommends … && rm -rf /var/lib/apt/lists/*`.',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const commands = runCommands(built(dockerfile));
    const offenders = commands
      .filter((command) => isApt(command) && aptVerb(command) === 'update')
      // Alone: nothing else in its RUN could read the lists (a tool that installs through apt
      // itself, `mk-build-deps -i`, `equivs`, a wrapper script, counts as reading them).
      .filter((command) =>
        sameRun(commands, command.instruction).every(
          (other) => other === command || (!usesAptLists(other) && INERT.test(other.program)),
        ),
      )
      .map((command) => ({
        instruction: command.instruction,
        message: `${command.program} update alone in its RUN: its layer is cached and its lists go stale`,
      }));
    return verdicts(offenders, context, 'apt-get update always runs with an install');
  },
});

export const checkAptYes = defineCheck({
  id: 'HARD-DOCKERFILE-006',
  category: 'dockerfile',
  severity: 'warning',
  title: 'apt-get install -y',
  proves: 'Every apt-get install answers its prompt (-y, --yes, --assume-yes, or -qq).',
  why: 'Without it the build stops at the confirmation prompt, or depends on apt configuration it does not state.',
  remediation: 'Add -y: `apt-get install -y --no-install-recommends <packages>`.',
  hadolint: ['DL3014'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const offenders = runCommands(built(dockerfile))
      .filter(
        (command) =>
          isApt(command) &&
          aptVerb(command) === 'install' &&
          !command.args.some((arg) => /^(-[a-z]*y[a-z]*|--yes|--assume-yes|-qq|--quiet=2)$/.test(arg)),
      )
      .map((command) => ({
        instruction: command.instruction,
        message: `\`${command.command.words.join(' ')}\` has no -y`,
      }));
    return verdicts(offenders, context, 'every apt-get install runs non-interactively');
  },
});

export const checkAptUpgrade = defineCheck({
  id: 'HARD-DOCKERFILE-007',
  category: 'dockerfile',
  severity: 'warning',
  title: 'No apt-get upgrade or dist-upgrade',
  proves: 'No RUN upgrades all packages of the base image.',
  why: 'Upgrading in the Dockerfile makes the image depend on the day it was built and hides an outdated base; update the base image instead.',
  remediation: 'Use a newer base image tag (and rebuild regularly), and install only the packages you need.',
  hadolint: ['DL3005'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const offenders = runCommands(built(dockerfile))
      .filter(
        (command) => isApt(command) && ['upgrade', 'dist-upgrade', 'full-upgrade'].includes(aptVerb(command) ?? ''),
      )
      .map((command) => ({
        instruction: command.instruction,
        message: `\`${command.command.words.join(' ')}\` upgrades the whole base image`,
      }));
    return verdicts(offenders, context, 'no blanket upgrade');
  },
});

export const checkPipNoCache = defineCheck({
  id: 'HARD-DOCKERFILE-008',
  category: 'dockerfile',
  severity: 'warning',
  title: 'pip install --no-cache-dir',
  proves:
    'Every pip install in the shipped stages passes --no-cache-dir, or PIP_NO_CACHE_DIR is set, or the RUN mounts a cache.',
  why: 'pip keeps every downloaded wheel in ~/.cache/pip: it ships in the layer.',
  remediation:
    'Write `pip install --no-cache-dir -r requirements.txt` (or `RUN --mount=type=cache,target=/root/.cache/pip …`).',
  hadolint: ['DL3042'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const chain = shippedStages(dockerfile);
    const envOff = instructions(chain, 'ENV').some(({ instruction }) =>
      /PIP_NO_CACHE_DIR[= ]\s*(1|true|yes|on|off|0)/i.test(instruction.args),
    );
    const offenders = envOff
      ? []
      : runCommands(chain)
          .filter(
            (command) =>
              (/^pip[\d.]*$/.test(command.program) && command.args[0] === 'install') ||
              (/^python[\d.]*$/.test(command.program) && command.args.slice(0, 3).join(' ') === '-m pip install'),
          )
          .filter(
            (command) =>
              !command.args.includes('--no-cache-dir') && !/type=cache/.test(command.instruction.flags.mount ?? ''),
          )
          .map((command) => ({
            instruction: command.instruction,
            message: `\`${command.command.words.join(' ')}\` keeps pip's download cache in the layer`,
          }));
    return verdicts(offenders, context, envOff ? 'PIP_NO_CACHE_DIR is set' : 'every pip install skips its cache');
  },
});

export const checkApkNoCache = defineCheck({
  id: 'HARD-DOCKERFILE-009',
  category: 'dockerfile',
  severity: 'warning',
  title: 'apk add --no-cache',
  proves: 'Every apk add in the shipped stages passes --no-cache (or the same RUN removes /var/cache/apk).',
  why: 'apk keeps its index and packages in /var/cache/apk: they ship in the layer.',
  remediation: 'Write `apk add --no-cache <packages>`.',
  hadolint: ['DL3019'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const commands = runCommands(shippedStages(dockerfile));
    const offenders = commands
      .filter(
        (command) => command.program === 'apk' && command.args.includes('add') && !command.args.includes('--no-cache'),
      )
      .filter(
        (command) =>
          !sameRun(commands, command.instruction).some(
            (other) => other.program === 'rm' && other.args.some((arg) => arg.startsWith('/var/cache/apk')),
          ),
      )
      .map((command) => ({
        instruction: command.instruction,
        message: `\`${command.command.words.join(' ')}\` keeps the apk cache in the layer`,
      }));
    return verdicts(offenders, context, 'every apk add skips its cache');
  },
});
