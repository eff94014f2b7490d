import { posix } from 'node:path';
import type { FileRecord, FilesystemEvidence } from '../../evidence/filesystem.js';
import { failPerLayer } from '../per-layer.js';
import { defineCheck } from '../registry.js';
import { mayRunOrLoad } from '../../util/elf-header.js';

// Every executable and library in the image is built for the platform the image says it is for.
// Emulation on a build machine runs a binary of another architecture without a word; a real host
// of the image's platform refuses it (`exec format error`, or a library that does not load). The
// ELF identity of each file was read from its first bytes as the layers streamed.

/**
 * How paths name each architecture (by its OCI name), as a word of their own: `prebuilds/linux-x64/`,
 * `/usr/lib/aarch64-linux-gnu/`, `go/pkg/tool/linux_amd64/`, `…epoll_aarch_64.so`, `sharp-linux-arm64v8`,
 * Android's `jniLibs/arm64-v8a/`, Chrome for Testing's `chrome-linux64/`, Rust's `riscv64gc-…`. Node
 * calls little-endian POWER `ppc64`, so that word names ppc64le too.
 */
const ARCH_NAMES: Record<string, string> = {
  amd64: 'amd[-_]?64|x86[-_]64|x64|x8664|linux[-_]?64',
  '386': 'i[3-6]86|ia32|x86|386|linux[-_]?32|x86[-_]32',
  arm64: 'aarch[-_]?64(_be)?|arm[-_]?64(v8|[-_]v8a?)?|armv8a?|arm64[-_]v8a',
  arm: 'arm(v[5-8]l|v[5-7](a|hl|hf)?|hf|hfp|el|eabi(hf)?|eabi[-_]v7a|32v[5-7])?|aarch32',
  ppc64le: 'ppc64le|ppc64el|powerpc64le|ppcle[-_]64|ppc64',
  ppc64: 'ppc64|powerpc64|ppc[-_]64',
  ppc: 'ppc|powerpc|ppc32',
  s390x: 's390x|s390[-_]64',
  riscv64: 'riscv[-_]?64(gc|imac)?|rv64(gc|imac)?',
  mips64le: 'mips64(le|el)',
  mips64: 'mips64',
  mipsle: 'mips(le|el)',
  mips: 'mips',
  loong64: 'loong(arch)?64',
};
const NAMED = Object.fromEntries(
  Object.entries(ARCH_NAMES).map(([arch, names]) => [arch, new RegExp(`(?<![a-z0-9])(${names})(?![a-z0-9])`)]),
);

/** What Docker and distributions also call the architectures the image config names. */
const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', armhf: 'arm', armv7l: 'arm' };

/** Names of directories that hold test data: fixtures, never run by the application. */
const TEST_DATA = new Set([
  'testdata',
  'test-data',
  'test_data',
  'testfiles',
  'test',
  'tests',
  '__tests__',
  'fixtures',
  '__fixtures__',
  'samples',
  'examples',
]);

/** Directories whose ELF files are not for this system's userland: kernel modules, firmware, cross sysroots. */
const NOT_THIS_USERLAND = new Set(['modules', 'firmware', 'sysroot', 'sysroots']);

/** Architectures whose binaries the image's platform runs natively as well (x86 on x86-64 kernels). */
const RUNS_ALSO: Record<string, string[]> = { amd64: ['386'] };

/** The architectures users build on: a binary of one of them in an image of another is the usual mistake. */
const BUILD_MACHINES = new Set(['amd64', 'arm64']);

/** Programs that run binaries of another architecture on purpose (box64, FEX, qemu-user, wine). */
const EMULATOR = /^(box64|box86|FEXInterpreter|FEXLoader|qemu-[a-z0-9_]+(-static)?|wine|wine64|wine64-preloader)$/;

/** Where the dynamic loader looks without being told, and the multiarch directory of each architecture. */
const LOADER_DIRS = ['/lib', '/lib64', '/usr/lib', '/usr/lib64', '/usr/local/lib'];
const MULTIARCH: Record<string, string> = {
  amd64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  arm: 'arm-linux-gnueabihf',
  '386': 'i386-linux-gnu',
  ppc64le: 'powerpc64le-linux-gnu',
  s390x: 's390x-linux-gnu',
  riscv64: 'riscv64-linux-gnu',
};

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ImagePlatform {
  architecture: string;
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
}

export interface ArchitectureFindings {
  /** Executables and shared objects the image's platform would run or load. */
  judged: number;
  /** Of another architecture, where the image runs or loads from (PATH, entrypoint, the loader's directories). */
  onRunPath: FileRecord[];
  /** Of another architecture, elsewhere: what loads them (a Node addon's loader, a script) is not known here. */
  elsewhere: FileRecord[];
  /** Of another architecture, in a place named for that architecture, in test data, or not for this userland. */
  setAside: FileRecord[];
  /** Of an architecture the platform also runs (x86 on amd64). */
  compatible: FileRecord[];
  /** An emulator the image carries, by path: foreign binaries may be run through it on purpose. */
  emulator: string | null;
}

/** The image config's architecture as OCI names it (`aarch64` → `arm64`); '' when it names none. */
export function normaliseArchitecture(architecture: string): string {
  const lower = architecture.trim().toLowerCase();
  return ARCH_ALIASES[lower] ?? lower;
}

/** Whether the path names `arch` in one of its directories or its file name. */
function namesArchitecture(path: string, arch: string): boolean {
  return NAMED[arch]?.test(path.toLowerCase()) ?? false;
}

/** Whether a directory of the path holds test data, or files not for this system's userland. */
function setAsideByPlace(path: string): boolean {
  return path
    .toLowerCase()
    .split('/')
    .slice(0, -1)
    .some((component) => TEST_DATA.has(component) || NOT_THIS_USERLAND.has(component));
}

/** A file the application could run or load: executable, or named as a library or Node addon. */
function runnable(file: FileRecord): boolean {
  if (file.type !== 'file' || !file.elf) return false;
  if (file.elf.kind !== 'executable' && file.elf.kind !== 'shared') return false;
  return mayRunOrLoad(file.path, file.mode);
}

/**
 * The paths the image runs or loads from without anyone choosing: programs on its PATH (and what
 * symlinks there point to), its entrypoint's and command's program, and the loader's directories.
 */
function runPaths(files: Record<string, FileRecord>, platform: ImagePlatform, architecture: string) {
  const pathVariable = platform.env.find((entry) => entry.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  const dirs = new Set(
    [...pathVariable.split(':'), ...LOADER_DIRS]
      .filter((dir) => dir.startsWith('/'))
      .map((dir) => posix.normalize(dir)),
  );
  const multiarch = MULTIARCH[architecture];
  if (multiarch) for (const root of ['/lib', '/usr/lib']) dirs.add(`${root}/${multiarch}`);
  const programs = new Set<string>();
  for (const argv of [platform.entrypoint, platform.cmd]) {
    const program = argv?.[0];
    if (program?.startsWith('/')) programs.add(posix.normalize(program));
  }
  // One level of symlinks: /usr/local/bin/tool → /opt/tool/bin/tool runs the file it points to.
  for (const file of Object.values(files))
    if (file.type === 'symlink' && file.linkname && (dirs.has(posix.dirname(file.path)) || programs.has(file.path)))
      programs.add(posix.resolve(posix.dirname(file.path), file.linkname));
  return (path: string): boolean => dirs.has(posix.dirname(path)) || programs.has(path);
}

export function findForeignBinaries(filesystem: FilesystemEvidence, platform: ImagePlatform): ArchitectureFindings {
  const architecture = normaliseArchitecture(platform.architecture);
  const onRunPath = runPaths(filesystem.files, platform, architecture);
  const findings: ArchitectureFindings = {
    judged: 0,
    onRunPath: [],
    elsewhere: [],
    setAside: [],
    compatible: [],
    emulator: null,
  };
  for (const file of Object.values(filesystem.files)) {
    if (findings.emulator === null && file.type === 'file' && EMULATOR.test(posix.basename(file.path)))
      findings.emulator = file.path;
    if (!runnable(file)) continue;
    findings.judged++;
    const arch = file.elf!.arch;
    if (arch === architecture) continue;
    if ((RUNS_ALSO[architecture] ?? []).includes(arch)) findings.compatible.push(file);
    else if (namesArchitecture(file.path, arch) || setAsideByPlace(file.path)) findings.setAside.push(file);
    else if (onRunPath(file.path)) findings.onRunPath.push(file);
    else findings.elsewhere.push(file);
  }
  return findings;
}

function listed(files: FileRecord[], limit = 5): string {
  const shown = files
    .slice(0, limit)
    .map((file) => `${file.path} (${file.elf!.arch})`)
    .join(', ');
  return files.length > limit ? `${shown} and ${files.length - limit} more` : shown;
}

/** At most `limit` paths, for the report: an Android NDK holds thousands. */
const somePaths = (files: FileRecord[], limit = 20): string[] => files.slice(0, limit).map((file) => file.path);

export const checkBinaryArchitecture = defineCheck({
  id: 'HARD-FILESYSTEM-005',
  category: 'filesystem',
  severity: 'error',
  title: "Every binary is built for the image's platform",
  proves:
    "Every ELF executable (an execute bit set) and shared object (`.so`, a Node addon `.node`) in the final image is built for the architecture in the image's config (read from each file's header as the layers stream). An amd64 or arm64 binary of the wrong one where the image runs or loads from without choosing — a directory of its PATH, its ENTRYPOINT's or CMD's program (and what symlinks there point to), the loader's directories — is an error; of another architecture, or elsewhere (a Node addon in node_modules, a tool under /opt), a warning, as is everything when the image carries an emulator (box64, FEX, qemu-user, wine). Files in a directory or with a name that says their architecture (`prebuilds/linux-arm64/`, `/usr/lib/aarch64-linux-gnu/`, `chrome-linux64/`), in test data, kernel modules, firmware or sysroots are listed, not judged; so are 32-bit x86 binaries in an amd64 image (x86-64 kernels run them).",
  why: 'Built or emulated on an amd64 machine, an arm64 image with an amd64 binary in it runs without complaint; on a real arm64 host it is `exec format error` at start, or a native module that does not load. The usual causes: a release binary downloaded for the build machine (`tini-amd64`, `…_linux_amd64.tar.gz`), or `node_modules` built on the host and copied in.',
  remediation:
    'Download per architecture (`ARG TARGETARCH`, then `…-${TARGETARCH}`), build native modules inside the image (`RUN npm ci` in the Dockerfile, not `COPY node_modules`), or cross-compile with `--platform=$BUILDPLATFORM` and `GOARCH=$TARGETARCH`.',
  needs: ['filesystem', 'image'],
  run({ filesystem, image }, { locate }) {
    if (!filesystem.elfRead)
      return { status: 'skip', message: 'not read: evidence recorded before file headers were read' };
    const architecture = normaliseArchitecture(image.architecture);
    if (!architecture) return { status: 'skip', message: "the image's config names no architecture to judge against" };
    const platform = `${image.os}/${architecture}`;
    const found = findForeignBinaries(filesystem, image);
    const verdicts = (files: FileRecord[], where: string, severity: 'error' | 'warning') =>
      failPerLayer(
        files,
        filesystem,
        locate,
        (group, from) => {
          const libraries = group.every((file) => !(file.mode & 0o111));
          return `${group.length} binar${group.length === 1 ? 'y' : 'ies'} of another architecture ${where}, from ${from}: ${listed(group)} — a real ${architecture} machine cannot ${libraries ? 'load' : 'run'} ${group.length === 1 ? 'it' : 'them'} (${libraries ? 'wrong ELF machine' : 'exec format error'}); emulation on the build machine hides it${found.emulator ? ` (the image carries ${found.emulator}: if it runs ${group.length === 1 ? 'it' : 'them'} on purpose, ignore this)` : ''}`;
        },
        (group) => group.map((file) => ({ path: file.path, arch: file.elf!.arch })),
      ).map((verdict) => ({ ...verdict, severity }));
    // An error only for the usual mistake, where the image runs it without anyone choosing.
    const certain = found.emulator
      ? []
      : found.onRunPath.filter((file) => BUILD_MACHINES.has(file.elf!.arch) && BUILD_MACHINES.has(architecture));
    const doubtful = [...found.onRunPath.filter((file) => !certain.includes(file)), ...found.elsewhere];
    const failures = [
      ...verdicts(certain, `on the paths this ${platform} image runs and loads from`, 'error'),
      ...verdicts(doubtful, `in this ${platform} image, off the paths it runs and loads by itself`, 'warning'),
    ];
    if (failures.length > 0) return failures;
    const notes = [
      found.setAside.length > 0
        ? `${found.setAside.length} of other architectures set aside (named for them, test data, kernel modules, firmware or sysroots): ${listed(found.setAside, 3)}`
        : '',
      found.compatible.length > 0 ? `${found.compatible.length} 32-bit x86: ${listed(found.compatible, 3)}` : '',
    ].filter(Boolean);
    return {
      status: 'pass',
      message: `${found.judged} ELF executable(s) and librar(ies) judged, each ${architecture} or set aside${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
      measured: {
        judged: found.judged,
        setAside: found.setAside.length,
        setAsideExamples: somePaths(found.setAside),
        compatible: found.compatible.length,
        compatibleExamples: somePaths(found.compatible),
      },
    };
  },
});
