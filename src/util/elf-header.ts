// What an ELF file is built for, from its first 20 bytes: read as a layer streams past, so an
// image's executables and libraries can be matched against the platform the image claims. A
// binary of another architecture still runs under emulation on a build machine; on a real host
// of the image's platform it is `exec format error`.

/** What kind of ELF object: only executables and shared objects are ever run or loaded. */
export type ElfKind = 'executable' | 'shared' | 'relocatable' | 'core' | 'other';

export interface ElfIdentity {
  /** The OCI/Go name of its architecture (`amd64`, `arm64`, `ppc64le`), or `machine N` when unknown. */
  arch: string;
  kind: ElfKind;
}

/** Bytes needed from the start of a file: e_ident (16), e_type (2), e_machine (2). */
export const ELF_HEADER_BYTES = 20;

const KINDS: Record<number, ElfKind> = { 1: 'relocatable', 2: 'executable', 3: 'shared', 4: 'core' };

/** The identity of an ELF file from its first bytes; null when it is not ELF (or too short to tell). */
export function readElfIdentity(head: Buffer): ElfIdentity | null {
  if (head.length < ELF_HEADER_BYTES) return null;
  if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return null;
  const bits = head[4] === 2 ? 64 : head[4] === 1 ? 32 : null;
  const little = head[5] === 1 ? true : head[5] === 2 ? false : null;
  if (bits === null || little === null) return null;
  const type = little ? head.readUInt16LE(16) : head.readUInt16BE(16);
  const machine = little ? head.readUInt16LE(18) : head.readUInt16BE(18);
  return { arch: archOf(machine, bits, little), kind: KINDS[type] ?? 'other' };
}

/** e_machine (with the class and byte order where one number serves several) as OCI names it. */
function archOf(machine: number, bits: 32 | 64, little: boolean): string {
  switch (machine) {
    case 3:
      return '386';
    case 62:
      return 'amd64';
    case 40:
      return 'arm';
    case 183:
      return 'arm64';
    case 20:
      return 'ppc';
    case 21:
      return little ? 'ppc64le' : 'ppc64';
    case 22:
      return bits === 64 ? 's390x' : 's390';
    case 8:
      return (bits === 64 ? 'mips64' : 'mips') + (little ? 'le' : '');
    case 243:
      return bits === 64 ? 'riscv64' : 'riscv32';
    case 258:
      return 'loong64';
    default:
      return `machine ${machine}`;
  }
}

/** Names the dynamic loader or Node's `require` opens without an execute bit: `.so`, `.so.6`, `.node`. */
const LOADED = /\.so(\.\d+)*$|\.node$/;

/**
 * Whether a file could be run (an execute bit) or loaded (a library's or Node addon's name): the
 * files whose ELF identity matters, and the only ones whose heads are read.
 */
export function mayRunOrLoad(path: string, mode: number): boolean {
  return (mode & 0o111) !== 0 || LOADED.test(path);
}
