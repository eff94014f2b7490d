import type { ComposeService } from '../../evidence/compose.js';
import type { ComposeUpRecord } from '../../evidence/compose-up.js';
import type { SettingsInForce } from '../../evidence/settings-in-force.js';
import type { Location } from '../../model.js';
import { formatBytes } from '../../util/format.js';
import { textOf } from '../../util/text.js';
import { defineCheck, type Verdict } from '../registry.js';
import { locationOf, valueAt } from '../compose-keys.js';

// What the compose files set, against what the running stack has in force (read from the engine
// and its cgroups by compose-up, src/evidence/settings-in-force.ts). Only what a file writes is
// compared, in compose's own units; a value this cannot read is left out, never guessed.

export interface SettingDifference {
  setting: string;
  /** The key it is written under (`deploy.resources.limits.memory`): where the finding lands. */
  key: string;
  written: string;
  inForce: string;
  /** The CIS recommendation it falls under, where one does. */
  cis: string | null;
}

export interface SettingsComparison {
  /** What was compared and found in force, as the user wrote it. */
  inForce: string[];
  differences: SettingDifference[];
  /** Written, but compose applies it only under swarm: said, not judged. */
  swarmOnly: string[];
}

const get = valueAt;

const BINARY: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** A size as compose reads one (`512m`, `2G`, `1gb`, `1.5GiB`, bytes): binary multiples; null if unreadable. */
export function composeBytes(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.floor(value) : null;
  if (typeof value !== 'string') return null;
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(value.trim());
  if (!match) return null;
  return Math.floor(Number(match[1]) * BINARY[(match[2] ?? '').toLowerCase()]);
}

function number(value: unknown): number | null {
  const parsed =
    typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(parsed) ? parsed : null;
}

/** The first of the keys the service writes, with its value. */
function written(data: Record<string, unknown>, keys: string[]): { key: string; value: unknown } | null {
  for (const key of keys) {
    const value = get(data, key);
    if (value !== undefined && value !== null && value !== '') return { key, value };
  }
  return null;
}

const capability = (name: string): string => name.trim().toUpperCase().replace(/^CAP_/, '');

/** `no-new-privileges`, `no-new-privileges:true`, `no-new-privileges=true`: on. */
const noNewPrivileges = (option: string): boolean => /^no-new-privileges(?:[:=]true)?$/i.test(option.trim());

/** One page: the kernel rounds a cgroup's memory limit down to it. */
const PAGE = 4096;

export function compareSettings(service: ComposeService, settings: SettingsInForce): SettingsComparison {
  const { data } = service;
  const result: SettingsComparison = { inForce: [], differences: [], swarmOnly: [] };
  const differ = (setting: string, key: string, writtenText: string, inForce: string, cis: string | null): void =>
    void result.differences.push({ setting, key, written: writtenText, inForce, cis });

  const memory = written(data, ['deploy.resources.limits.memory', 'mem_limit']);
  const memoryBytes = memory ? composeBytes(memory.value) : null;
  if (memory && memoryBytes !== null && memoryBytes > 0) {
    const text = textOf(memory.value);
    if (settings.memoryBytes !== memoryBytes)
      differ(
        'memory limit',
        memory.key,
        text,
        settings.memoryBytes ? formatBytes(settings.memoryBytes) : 'none',
        '5.11',
      );
    else if (settings.cgroupMemoryBytes !== null && settings.cgroupMemoryBytes > memoryBytes + PAGE)
      differ(
        'memory limit',
        memory.key,
        text,
        `none enforced: the engine recorded ${formatBytes(memoryBytes)}, its cgroup allows ${formatBytes(settings.cgroupMemoryBytes)}`,
        '5.11',
      );
    else result.inForce.push(`memory ${text}`);
  }
  const reservation = written(data, ['deploy.resources.reservations.memory', 'mem_reservation']);
  const reservationBytes = reservation ? composeBytes(reservation.value) : null;
  if (reservation && reservationBytes !== null && reservationBytes > 0) {
    if (settings.memoryReservationBytes !== reservationBytes)
      differ(
        'memory reservation',
        reservation.key,
        textOf(reservation.value),
        settings.memoryReservationBytes ? formatBytes(settings.memoryReservationBytes) : 'none',
        '5.11',
      );
    else result.inForce.push(`memory reservation ${textOf(reservation.value)}`);
  }
  const cpus = written(data, ['deploy.resources.limits.cpus', 'cpus']);
  const cpuCount = cpus ? number(cpus.value) : null;
  if (cpus && cpuCount !== null && cpuCount > 0) {
    if (Math.abs(settings.cpus - cpuCount) > 1e-6)
      differ('CPU limit', cpus.key, textOf(cpus.value), settings.cpus ? `${settings.cpus} CPUs` : 'none', '5.12');
    else result.inForce.push(`${textOf(cpus.value)} CPUs`);
  }
  if (written(data, ['deploy.resources.reservations.cpus'])) result.swarmOnly.push('CPU reservation');
  const shares = written(data, ['cpu_shares']);
  const shareCount = shares ? number(shares.value) : null;
  if (shares && shareCount !== null && shareCount > 0) {
    if (settings.cpuShares !== shareCount)
      differ('CPU shares', shares.key, textOf(shares.value), String(settings.cpuShares || 'default'), '5.12');
    else result.inForce.push(`cpu_shares ${shareCount}`);
  }
  const pids = written(data, ['deploy.resources.limits.pids', 'pids_limit']);
  const pidCount = pids ? number(pids.value) : null;
  if (pids && pidCount !== null && pidCount > 0) {
    if (settings.pidsLimit !== pidCount)
      differ(
        'PIDs limit',
        pids.key,
        textOf(pids.value),
        settings.pidsLimit > 0 ? String(settings.pidsLimit) : 'none',
        null,
      );
    else if (settings.cgroupPidsLimit !== null && settings.cgroupPidsLimit > 0 && settings.cgroupPidsLimit !== pidCount)
      differ(
        'PIDs limit',
        pids.key,
        textOf(pids.value),
        `the engine recorded ${pidCount}, its cgroup allows ${settings.cgroupPidsLimit}`,
        null,
      );
    else result.inForce.push(`pids ${pidCount}`);
  }
  const weight = written(data, ['blkio_config.weight']);
  const weightValue = weight ? number(weight.value) : null;
  if (weight && weightValue !== null && weightValue > 0) {
    if (settings.blkioWeight !== weightValue)
      differ(
        'block I/O weight',
        weight.key,
        textOf(weight.value),
        settings.blkioWeight
          ? String(settings.blkioWeight)
          : 'none (the engine did not apply it: an engine drops a weight its kernel cannot enforce, with a warning in its log)',
        '5.12',
      );
    else result.inForce.push(`blkio weight ${weightValue}`);
  }
  const readOnly = get(data, 'read_only');
  if (readOnly === true || readOnly === 'true') {
    if (!settings.readOnly) differ('read-only root filesystem', 'read_only', 'true', 'writable', '5.13');
    else result.inForce.push('read-only');
  }
  for (const [key, list] of [
    ['cap_drop', settings.capDrop],
    ['cap_add', settings.capAdd],
  ] as const) {
    const wanted = get(data, key);
    if (!Array.isArray(wanted) || wanted.length === 0) continue;
    const have = new Set(list.map(capability));
    const missing = wanted.map((item) => capability(textOf(item))).filter((name) => !have.has(name));
    if (missing.length > 0) differ(key, key, missing.join(', '), list.join(', ') || 'none', '5.4');
    else result.inForce.push(`${key} ${wanted.map(textOf).join(', ')}`);
  }
  const options = get(data, 'security_opt');
  if (Array.isArray(options) && options.some((option) => noNewPrivileges(textOf(option)))) {
    if (!settings.securityOpt.some(noNewPrivileges))
      differ(
        'no-new-privileges',
        'security_opt',
        'no-new-privileges:true',
        settings.securityOpt.join(', ') || 'none',
        '5.26',
      );
    else result.inForce.push('no-new-privileges');
  }
  const user = get(data, 'user');
  if ((typeof user === 'string' && user !== '') || typeof user === 'number') {
    if (settings.user !== String(user)) differ('user', 'user', String(user), settings.user || "the image's", null);
    else result.inForce.push(`user ${String(user)}`);
  }
  const logging = get(data, 'logging') as { driver?: unknown; options?: Record<string, unknown> } | undefined;
  if (logging && typeof logging === 'object') {
    const driver = textOf(logging.driver);
    const before = result.differences.length;
    if (driver && driver !== settings.logDriver)
      differ('log driver', 'logging.driver', driver, settings.logDriver, null);
    for (const [name, value] of Object.entries(logging.options ?? {})) {
      if (value === null || value === undefined) continue;
      if (settings.logOptions[name] !== textOf(value))
        differ(
          `log option ${name}`,
          `logging.options.${name}`,
          textOf(value),
          settings.logOptions[name] ?? 'unset',
          null,
        );
    }
    if (result.differences.length === before && (driver || logging.options))
      result.inForce.push(
        [
          settings.logDriver,
          ...Object.entries(logging.options ?? {}).map(([name, value]) => `${name} ${textOf(value)}`),
        ].join(' '),
      );
  }
  return result;
}

export const checkSettingsInForce = defineCheck({
  id: 'HARD-COMPOSE-016',
  cis: ['5.11', '5.12', '5.13', '5.4', '5.26'],
  category: 'compose',
  severity: 'error',
  title: 'What the compose files set is in force in the running stack',
  proves:
    'For every service running in the stack compose-up brought up: the limits (memory, memory reservation, CPUs, CPU shares, PIDs, block-I/O weight), read_only, cap_drop/cap_add, no-new-privileges, user and logging its compose files write are what the engine applied to its container, and for memory and PIDs what its cgroup enforces. CPU reservations, which compose applies under swarm only, are named and not judged.',
  why: 'A limit or a security setting in a file proves nothing until the engine applies it: an engine or kernel that cannot enforce one drops it with a warning in the daemon log, an old compose ignores `deploy.resources`, and the file still reads as hardened.',
  remediation:
    "Run the stack on an engine and kernel that enforce the setting (the daemon's log names what it dropped), or write it where it takes effect (mem_limit and cpus where deploy.resources is ignored).",
  needs: ['compose', 'composeUp'],
  run({ compose, composeUp }) {
    return judgeSettingsInForce(compose.services, composeUp);
  },
});

export function judgeSettingsInForce(services: ComposeService[], composeUp: ComposeUpRecord): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const service of services) {
    const runs = composeUp.services.filter((run) => run.service === service.name);
    const running = runs.find((run) => run.settings);
    const at = (key?: string): { location: Location } => ({
      location: locationOf(service, key),
    });
    if (!running?.settings) {
      verdicts.push({
        status: 'skip',
        message: `${service.name}: ${runs.length === 0 ? 'not run in the stack' : `not running (${runs[0].state})`}: nothing in force to read`,
        ...at(),
      });
      continue;
    }
    const compared = compareSettings(service, running.settings);
    const swarm =
      compared.swarmOnly.length > 0
        ? `; ${compared.swarmOnly.join(', ')} written, applied under swarm only (not judged)`
        : '';
    if (compared.differences.length === 0) {
      verdicts.push({
        status: compared.inForce.length > 0 ? 'pass' : 'skip',
        message:
          compared.inForce.length > 0
            ? `${service.name}: in force as written: ${compared.inForce.join(', ')}${swarm}`
            : `${service.name}: no limit or security setting written to compare${swarm}`,
        measured: running.settings,
        ...at(),
      });
      continue;
    }
    for (const difference of compared.differences)
      verdicts.push({
        status: 'fail',
        message: `${service.name}: ${difference.setting} written ${difference.written}, in force: ${difference.inForce}`,
        measured: { written: difference.written, inForce: difference.inForce, settings: running.settings },
        cis: difference.cis ? [difference.cis] : [],
        ...at(difference.key),
      });
  }
  return verdicts;
}
