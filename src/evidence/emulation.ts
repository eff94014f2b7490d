// Whether the image ran here under emulation: built for an architecture the engine host's CPU does
// not run (an arm64 image on an amd64 runner, through QEMU registered with binfmt_misc). What the
// run measures in time, CPU and memory is then QEMU's cost as much as the image's: it translates
// every instruction, and its own memory is counted with the container's. What the image is (its
// files, user, tools, whether its probe passes) is exact either way.

import type { EvidenceSet } from './types.js';

export interface Emulation {
  /** The image's platform: `linux/arm64`. */
  platform: string;
  /** The engine host's architecture: `amd64`. */
  host: string;
  /** What emulates it, as far as the run saw: `QEMU`, `Rosetta`, or null (not seen: inferred). */
  by: string | null;
}

/** Architectures a host's CPU runs natively besides its own. */
const NATIVE_ALSO: Record<string, readonly string[]> = { amd64: ['386'] };

/**
 * Null when the image ran natively, or when either architecture is unknown. `emulators`: what the
 * engine host's `ps` showed in front of the service's processes (null: its processes were not
 * read). Measured beats inferred: processes read with no emulator in front ran natively (a 32-bit
 * arm image on an arm64 host that runs it), and one seen names what emulates.
 */
export function emulationOf(
  image: { os?: string; architecture: string; variant?: string | null },
  hostArchitecture: string,
  emulators: string[] | null = null,
): Emulation | null {
  const architecture = goArch(image.architecture);
  const host = goArch(hostArchitecture);
  if (!architecture || !host || architecture === host) return null;
  if (emulators ? emulators.length === 0 : NATIVE_ALSO[host]?.includes(architecture)) return null;
  const platform = [image.os || 'linux', architecture, image.variant].filter(Boolean).join('/');
  return { platform, host, by: emulators?.length ? emulatorName(emulators[0]) : null };
}

/** "emulation (linux/arm64 on this amd64 host, by QEMU)" */
export function describeEmulation(emulation: Emulation): string {
  return `emulation (${emulationText(emulation)})`;
}

/** "linux/arm64 on this amd64 host, by QEMU" */
export function emulationText(emulation: Emulation): string {
  return `${emulation.platform} on this ${emulation.host} host${emulation.by ? `, by ${emulation.by}` : ''}`;
}

function emulatorName(path: string): string {
  if (/qemu|binfmt/i.test(path)) return 'QEMU';
  if (/rosetta/i.test(path)) return 'Rosetta';
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Kernel names (`uname -m`) as Go's, which the engine and image configs use. */
function goArch(name: string | undefined): string {
  const normalised = (name ?? '').trim().toLowerCase();
  return { x86_64: 'amd64', aarch64: 'arm64', i386: '386', i686: '386' }[normalised] ?? normalised;
}

/**
 * The run's emulation: the image's architecture against the engine host's, confirmed by what the
 * engine host's `ps` showed in front of the service's processes where they were read.
 */
export function emulatedRun(evidence: EvidenceSet): Emulation | null {
  if (evidence.image.state !== 'collected' || evidence.engine.state !== 'collected') return null;
  const processes = evidence.runtime.state === 'collected' ? evidence.runtime.value.service.processes : null;
  const emulators = processes ? processes.flatMap((process) => (process.emulator ? [process.emulator] : [])) : null;
  return emulationOf(evidence.image.value, evidence.engine.value.architecture, emulators);
}

/** The build's RUN steps ran under emulation: the image's architecture is not the engine's. */
export function emulatedBuild(evidence: EvidenceSet): Emulation | null {
  if (evidence.image.state !== 'collected' || evidence.engine.state !== 'collected') return null;
  return emulationOf(evidence.image.value, evidence.engine.value.architecture);
}
