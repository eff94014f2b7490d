import { Readable } from 'node:stream';
import { findForeignBinaries, normaliseArchitecture } from '../../src/checks/filesystem/index.js';
import { readElfIdentity } from '../../src/util/elf-header.js';
import { readLayerBlob } from '../../src/docker/image-archive.js';
import type { FileRecord, FilesystemEvidence } from '../../src/evidence/filesystem.js';
import { copy, judge, recorded, result } from '../helpers/evidence.js';
import { tarOf } from '../helpers/tar.js';

// HARD-FILESYSTEM-005: the architecture each ELF file is built for, read from its first bytes,
// against the image's platform. The heads below were read from real files (xxd -p -l 20).

const HEADS = {
  // Debian 12's /bin/ls: a position-independent executable, so ELF type 3 (shared object).
  lsAmd64: '7f454c4602010100000000000000000003003e00',
  libcAmd64: '7f454c4602010103000000000000000003003e00',
  // Debian 12's busybox-static for arm64 (busybox-static_1.35.0-4+deb12u1+b1_arm64.deb).
  busyboxArm64: '7f454c460201010300000000000000000200b700',
  // Debian 12's Scrt1.o: relocatable, never run as it is.
  scrt1Amd64: '7f454c4602010100000000000000000001003e00',
};

// A complete static aarch64 program that exits 0 (ELF header, one PT_LOAD, three instructions):
// the fixture image foreign-binary writes the same 132 bytes.
const EXIT0_ARM64 = Buffer.from(
  'f0VMRgIBAQAAAAAAAAAAAAIAtwABAAAAeABAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAEAAOAABAAAAAAAAAAEAAAAFAAAAAAAAAAAAAAAAAEAAAAAAAAAAQAAAAAAAhAAAAAAAAACEAAAAAAAAAAAQAAAAAAAAAACA0qgLgNIBAADU',
  'base64',
);

describe('readElfIdentity', () => {
  it.each([
    ['lsAmd64', { arch: 'amd64', kind: 'shared' }],
    ['libcAmd64', { arch: 'amd64', kind: 'shared' }],
    ['busyboxArm64', { arch: 'arm64', kind: 'executable' }],
    ['scrt1Amd64', { arch: 'amd64', kind: 'relocatable' }],
  ] as const)('reads %s', (name, identity) => {
    expect(readElfIdentity(Buffer.from(HEADS[name], 'hex'))).toEqual(identity);
  });

  it('reads the machines one number serves by class and byte order (ELF specification values)', () => {
    const head = (bits: 1 | 2, order: 1 | 2, machine: number): Buffer => {
      const bytes = Buffer.alloc(20);
      bytes.set([0x7f, 0x45, 0x4c, 0x46, bits, order], 0);
      if (order === 1) {
        bytes.writeUInt16LE(2, 16);
        bytes.writeUInt16LE(machine, 18);
      } else {
        bytes.writeUInt16BE(2, 16);
        bytes.writeUInt16BE(machine, 18);
      }
      return bytes;
    };
    expect(readElfIdentity(head(2, 1, 21))?.arch).toBe('ppc64le');
    expect(readElfIdentity(head(2, 2, 21))?.arch).toBe('ppc64');
    expect(readElfIdentity(head(2, 2, 22))?.arch).toBe('s390x');
    expect(readElfIdentity(head(1, 1, 40))?.arch).toBe('arm');
    expect(readElfIdentity(head(1, 1, 3))?.arch).toBe('386');
    expect(readElfIdentity(head(2, 1, 8))?.arch).toBe('mips64le');
    expect(readElfIdentity(head(2, 1, 243))?.arch).toBe('riscv64');
    expect(readElfIdentity(head(2, 1, 9999))?.arch).toBe('machine 9999');
  });

  it('is null for what is not ELF, or too short to tell', () => {
    expect(readElfIdentity(Buffer.from('#!/bin/sh\nexec node server.js\n'))).toBeNull();
    expect(readElfIdentity(Buffer.from(HEADS.lsAmd64, 'hex').subarray(0, 19))).toBeNull();
    const badClass = Buffer.from(HEADS.lsAmd64, 'hex');
    badClass[4] = 7;
    expect(readElfIdentity(badClass)).toBeNull();
  });
});

describe('a layer read as it streams', () => {
  it('gives each ELF file its identity, even when its first bytes come split across chunks', async () => {
    const layer = await tarOf([
      { name: 'usr/local/bin/tool', content: EXIT0_ARM64, mode: 0o755 },
      { name: 'usr/local/bin/start.sh', content: '#!/bin/sh\nexec tool\n', mode: 0o755 },
      { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
      { name: 'tiny', content: '\x7fELF', mode: 0o755 },
    ]);
    // Seven bytes at a time: no file's head arrives whole.
    const chunks = Array.from({ length: Math.ceil(layer.length / 7) }, (_, index) =>
      layer.subarray(index * 7, index * 7 + 7),
    );
    const parsed = await readLayerBlob(Readable.from(chunks), layer.length, {
      capture: (path) => path === '/etc/passwd',
    });
    const byPath = Object.fromEntries(parsed!.entries.map((entry) => [entry.path, entry.elf]));
    expect(byPath).toEqual({
      '/usr': undefined,
      '/usr/local': undefined,
      '/usr/local/bin': undefined,
      '/usr/local/bin/tool': { arch: 'arm64', kind: 'executable' },
      '/usr/local/bin/start.sh': undefined,
      '/etc': undefined,
      '/etc/passwd': undefined,
      '/tiny': undefined,
    });
    expect(parsed!.captured.get('/etc/passwd')?.toString()).toBe('root:x:0:0::/root:/bin/sh\n');
  });
});

const file = (
  path: string,
  arch: string | null,
  mode = 0o755,
  kind: 'executable' | 'shared' | 'relocatable' = 'executable',
): FileRecord => ({
  path,
  type: 'file',
  mode,
  uid: 0,
  gid: 0,
  size: 1000,
  layer: 0,
  ...(arch ? { elf: { arch, kind } } : {}),
});

const filesystemOf = (files: FileRecord[]): FilesystemEvidence =>
  ({ files: Object.fromEntries(files.map((record) => [record.path, record])), elfRead: true }) as FilesystemEvidence;

const symlink = (path: string, linkname: string): FileRecord => ({
  path,
  type: 'symlink',
  mode: 0o777,
  uid: 0,
  gid: 0,
  size: 0,
  layer: 0,
  linkname,
});

const platform = (architecture: string, entrypoint: string[] | null = null) => ({
  architecture,
  env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  entrypoint,
  cmd: null,
});

const paths = (files: FileRecord[]): string[] => files.map((record) => record.path);

describe('findForeignBinaries', () => {
  it('tells what the image runs or loads by itself from what something else may pick', () => {
    const found = findForeignBinaries(
      filesystemOf([
        file('/usr/bin/node', 'arm64'),
        file('/usr/lib/libssl.so.3', 'arm64', 0o644, 'shared'),
        // A release binary fetched for the build machine, on the PATH.
        file('/usr/local/bin/tini', 'amd64'),
        // Run through a symlink on the PATH, and as the entrypoint.
        file('/opt/tool/bin/tool', 'amd64'),
        symlink('/usr/local/bin/tool', '../../../opt/tool/bin/tool'),
        file('/app/server', 'amd64'),
        // The loader's own directories, the image's multiarch one included.
        file('/usr/lib/aarch64-linux-gnu/libfoo.so.1', 'amd64', 0o644, 'shared'),
        // A Node addon: what loads it (node-gyp-build, Prisma) may pick another; not known here.
        file('/app/node_modules/bcrypt/build/Release/bcrypt_lib.node', 'amd64', 0o644, 'shared'),
        file('/app/node_modules/.prisma/client/libquery_engine-debian-openssl-3.0.x.so.node', 'amd64', 0o644, 'shared'),
      ]),
      platform('arm64', ['/app/server']),
    );
    expect(found.judged).toBe(8);
    expect(paths(found.onRunPath).sort()).toEqual([
      '/app/server',
      '/opt/tool/bin/tool',
      '/usr/lib/aarch64-linux-gnu/libfoo.so.1',
      '/usr/local/bin/tini',
    ]);
    expect(paths(found.elsewhere)).toEqual([
      '/app/node_modules/bcrypt/build/Release/bcrypt_lib.node',
      '/app/node_modules/.prisma/client/libquery_engine-debian-openssl-3.0.x.so.node',
    ]);
    expect(found.emulator).toBeNull();
  });

  it('sets aside what a directory or name says is for another architecture, test data, kernel modules and sysroots', () => {
    const aside = [
      // As prebuildify, napi-rs, Debian multiarch, Go's toolchain, Android and Chrome for Testing lay them out.
      file('/app/node_modules/bcrypt/prebuilds/linux-x64/node.napi.node', 'amd64', 0o644, 'shared'),
      file(
        '/app/node_modules/@unrs/resolver-binding-linux-x64-gnu/resolver.linux-x64-gnu.node',
        'amd64',
        0o644,
        'shared',
      ),
      file('/usr/lib/x86_64-linux-gnu/libc.so.6', 'amd64', 0o644, 'shared'),
      file('/usr/local/go/pkg/tool/linux_amd64/compile', 'amd64'),
      file('/opt/sharp/vendor/linux-armv7/lib/libvips.so.42', 'arm', 0o644, 'shared'),
      file('/app/android/app/src/main/jniLibs/armeabi-v7a/libapp.so', 'arm', 0o644, 'shared'),
      file('/root/.cache/puppeteer/chrome/linux-131/chrome-linux64/chrome', 'amd64'),
      file('/app/node_modules/@esbuild/linux-ppc64/bin/esbuild', 'ppc64le'),
      file('/opt/app/lib/native/libnetty_transport_native_epoll_x86_64.so', 'amd64', 0o644, 'shared'),
      file('/usr/local/go/src/debug/elf/testdata/go-relocation-test-gcc930', 'amd64'),
      file('/usr/lib/modules/6.8.0/vdso/vdso32.so', 'arm', 0o644, 'shared'),
      file('/opt/poky/sysroots/cortexa57-poky-linux/usr/lib/libc.so.6', 'amd64', 0o644, 'shared'),
    ];
    const found = findForeignBinaries(
      filesystemOf([
        ...aside,
        // A directory named for arm64 holding an amd64 binary is not what it says: judged.
        file('/app/prebuilds/linux-arm64/addon.node', 'amd64', 0o644, 'shared'),
      ]),
      platform('arm64'),
    );
    expect(paths(found.setAside)).toEqual(paths(aside));
    expect(paths(found.elsewhere)).toEqual(['/app/prebuilds/linux-arm64/addon.node']);
  });

  it('lists 32-bit x86 in an amd64 image apart, and judges only what is run or loaded', () => {
    const found = findForeignBinaries(
      filesystemOf([
        file('/usr/bin/legacy-tool', '386'),
        // Not executable and not named as a library: never run or loaded as it is.
        file('/usr/share/firmware/blob.bin', 'arm64', 0o644),
        // Relocatable objects are linked, not run.
        file('/usr/lib/gcc/aarch64/crt1.o', 'arm64', 0o644, 'relocatable'),
        file('/usr/bin/script', null),
        { ...file('/usr/bin/hard', 'arm64'), type: 'hardlink' },
      ]),
      platform('x86_64'),
    );
    expect(found).toMatchObject({ judged: 1, onRunPath: [], elsewhere: [], setAside: [] });
    expect(paths(found.compatible)).toEqual(['/usr/bin/legacy-tool']);
  });

  it('notices an emulator the image carries', () => {
    const found = findForeignBinaries(
      filesystemOf([file('/usr/local/bin/box64', 'arm64'), file('/usr/local/bin/steamcmd', 'amd64')]),
      platform('arm64'),
    );
    expect(found.emulator).toBe('/usr/local/bin/box64');
    expect(paths(found.onRunPath)).toEqual(['/usr/local/bin/steamcmd']);
  });

  it('reads the architecture as Docker and distributions spell it', () => {
    expect(['amd64', 'x86_64', 'aarch64', 'arm64', 'armhf', ' ARM64 ', ''].map(normaliseArchitecture)).toEqual([
      'amd64',
      'amd64',
      'arm64',
      'arm64',
      'arm',
      'arm64',
      '',
    ]);
  });
});

describe('HARD-FILESYSTEM-005 on the recorded hardened example', () => {
  const hardened = recorded('hardened');

  const withFiles = (edit: (filesystem: FilesystemEvidence) => void) => {
    const evidence = copy(hardened.evidence);
    if (evidence.filesystem.state !== 'collected') throw new Error('recorded evidence incomplete');
    edit(evidence.filesystem.value);
    return evidence;
  };

  it('skips evidence recorded before file headers were read', () => {
    const verdict = result(judge(withFiles((filesystem) => delete filesystem.elfRead)), 'HARD-FILESYSTEM-005');
    expect(verdict).toMatchObject({ status: 'skip' });
  });

  it('fails an arm64 binary the amd64 image runs on the instruction that added it; warns one it may not', () => {
    const layers = (filesystem: FilesystemEvidence) => filesystem.layers.length;
    const evidence = withFiles((filesystem) => {
      filesystem.elfRead = true;
      for (const record of Object.values(filesystem.files))
        if (record.type === 'file' && (record.mode & 0o111) !== 0) record.elf = { arch: 'amd64', kind: 'shared' };
      // The last layer: the application's COPY.
      const last = layers(filesystem) - 1;
      filesystem.files['/usr/local/bin/helper'] = { ...file('/usr/local/bin/helper', 'arm64'), layer: last };
      filesystem.files['/app/lib/addon.node'] = {
        ...file('/app/lib/addon.node', 'arm64', 0o644, 'shared'),
        layer: last,
      };
    });
    const found = judge(evidence).filter((entry) => entry.id === 'HARD-FILESYSTEM-005');
    expect(found.map((entry) => [entry.status, entry.severity, entry.measured])).toEqual([
      ['fail', 'error', [{ path: '/usr/local/bin/helper', arch: 'arm64' }]],
      ['fail', 'warning', [{ path: '/app/lib/addon.node', arch: 'arm64' }]],
    ]);
    expect(found[0].message).toMatch(
      /^1 binary of another architecture on the paths this linux\/amd64 image runs and loads from, from .+: \/usr\/local\/bin\/helper \(arm64\) — a real amd64 machine cannot run it \(exec format error\); emulation on the build machine hides it$/,
    );
    expect(found[1].message).toMatch(/cannot load it \(wrong ELF machine\)/);
    expect(found[0].location?.file).toBe('examples/hardened/Dockerfile');

    const clean = withFiles((filesystem) => {
      filesystem.elfRead = true;
      for (const record of Object.values(filesystem.files))
        if (record.type === 'file' && (record.mode & 0o111) !== 0) record.elf = { arch: 'amd64', kind: 'shared' };
    });
    const passed = result(judge(clean), 'HARD-FILESYSTEM-005');
    expect(passed.status).toBe('pass');
    expect(passed.message).toMatch(/^\d+ ELF executable\(s\) and librar\(ies\) judged, each amd64 or set aside$/);
  });

  it('skips an image whose config names no architecture', () => {
    const evidence = withFiles((filesystem) => {
      filesystem.elfRead = true;
    });
    if (evidence.image.state !== 'collected') throw new Error('recorded evidence incomplete');
    evidence.image.value.architecture = '';
    expect(result(judge(evidence), 'HARD-FILESYSTEM-005')).toMatchObject({ status: 'skip' });
  });
});
