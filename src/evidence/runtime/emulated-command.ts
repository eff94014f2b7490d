// A process of another architecture, run under QEMU's user-mode emulator through binfmt_misc, is
// the emulator as far as the engine host's `ps` can tell: its command line starts with the
// interpreter the handler names, then the binary's path, then — when the handler has the
// preserve-argv0 flag (P) — the program's own argv[0]:
//
//   /usr/libexec/qemu-binfmt/aarch64-binfmt-P /usr/bin/tini tini -- python -m app   (Debian, P)
//   /usr/bin/qemu-aarch64 /usr/bin/tini tini -- python -m app       (tonistiigi/binfmt, P)
//   /usr/bin/qemu-aarch64-static /usr/bin/tini -- python -m app     (without P)
//
// Read as it is, every emulated PID 1 would be "qemu", never an init: the process is the program,
// so the interpreter (and the path the P flag adds in front of argv[0]) is taken off. Docker
// Desktop's Rosetta (amd64 images on Apple silicon) stands in front the same way.

/**
 * An emulator that binfmt_misc runs in front of a foreign binary, by the name of its file: QEMU's
 * user-mode emulators are named by their target (qemu-img, qemu-nbd, qemu-ga are programs of their
 * own, and stay as they are).
 */
const EMULATOR =
  /^(?:rosetta|qemu-(?:aarch64(?:_be)?|arm(?:eb)?|i386|x86_64|ppc(?:64(?:le)?)?|s390x|riscv(?:32|64)|mips(?:64|n32)?(?:el)?|loongarch64|sparc(?:64|32plus)?|alpha|hppa|m68k|microblazeel|microblaze|or1k|sh4(?:eb)?|xtensa(?:eb)?|hexagon|cris|nios2)(?:-static)?|[a-z0-9_]+-binfmt-P)$/;
/** Debian's wrapper says it in its name: it always passes the path, then argv[0]. */
const PRESERVES_ARGV0 = /-binfmt-P$/;

export interface EmulatedCommand {
  /** The program's own command line. */
  command: string;
  /** The emulator's path; null when the process runs natively. */
  emulator: string | null;
}

export function withoutEmulator(command: string): EmulatedCommand {
  const words = command.split(' ');
  const interpreter = words[0] ?? '';
  if (!EMULATOR.test(basename(interpreter)) || words.length < 2) return { command, emulator: null };
  const rest = words.slice(1);
  // Path, then argv[0]: the path goes when the handler says it preserves argv[0], or when the word
  // after it names the same file (`/usr/bin/tini tini`). Otherwise the path stands for argv[0].
  // (A login shell's argv[0] is its name with a dash: `/bin/bash -bash`.)
  const preserved =
    rest.length > 1 &&
    (PRESERVES_ARGV0.test(interpreter) ||
      (rest[0].includes('/') && basename(rest[1]).replace(/^-/, '') === basename(rest[0])));
  return { command: (preserved ? rest.slice(1) : rest).join(' '), emulator: interpreter };
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
