// Whether the image ran here under emulation: built for an architecture the engine host's CPU does
// not run (an arm64 image on an amd64 runner, through QEMU registered with binfmt_misc). What the
// run measures in time, CPU and memory is then QEMU's cost as much as the image's: it translates
// every instruction, and its own memory is counted with the container's. What the image is (its
// files, user, tools, whether its probe passes) is exact either way.

export interface Emulation {
  /** The image's platform: `linux/arm64`. */
  platform: string;
  /** The engine host's architecture: `amd64`. */
  host: string;
}

/** Architectures a host's CPU runs natively besides its own. */
const NATIVE_ALSO: Record<string, readonly string[]> = { amd64: ['386'] };

/** Null when the image ran natively, or when either architecture is unknown. */
export function emulationOf(
  image: { os?: string; architecture: string; variant?: string | null },
  hostArchitecture: string,
): Emulation | null {
  const architecture = goArch(image.architecture);
  const host = goArch(hostArchitecture);
  if (!architecture || !host || architecture === host || NATIVE_ALSO[host]?.includes(architecture)) return null;
  const platform = [image.os || 'linux', architecture, image.variant].filter(Boolean).join('/');
  return { platform, host };
}

/** "QEMU emulation (linux/arm64 on an amd64 host)" */
export function describeEmulation(emulation: Emulation): string {
  return `QEMU emulation (${emulation.platform} on an ${emulation.host} host)`;
}

/** Kernel names (`uname -m`) as Go's, which the engine and image configs use. */
function goArch(name: string): string {
  const normalised = name.trim().toLowerCase();
  return { x86_64: 'amd64', aarch64: 'arm64', i386: '386', i686: '386' }[normalised] ?? normalised;
}
