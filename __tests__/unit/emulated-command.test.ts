import { describe, expect, it } from '@jest/globals';
import { withoutEmulator } from '../../src/evidence/runtime/emulated-command.js';

describe('withoutEmulator', () => {
  it("reads PID 1 of an arm64 image on an amd64 host as the program, not Debian's qemu wrapper", () => {
    // Recorded: `docker top` of the hardened example built for linux/arm64, Docker 28.5 with the
    // containerd store, qemu-user-static 7.2 registered by binfmt-support (flags PF).
    expect(
      withoutEmulator('/usr/libexec/qemu-binfmt/aarch64-binfmt-P /usr/bin/tini tini -- python -m csmcp.server'),
    ).toEqual({
      command: 'tini -- python -m csmcp.server',
      emulator: '/usr/libexec/qemu-binfmt/aarch64-binfmt-P',
    });
  });

  it('takes the path off when the word after it names the same file (a P handler of another name)', () => {
    expect(withoutEmulator('/usr/bin/qemu-aarch64 /sbin/tini tini -- sleep 3600').command).toBe('tini -- sleep 3600');
    expect(withoutEmulator('/usr/bin/qemu-arm /usr/local/bin/node node server.js').command).toBe('node server.js');
  });

  it('keeps the path where it stands for argv[0] (a handler without P)', () => {
    expect(withoutEmulator('/usr/bin/qemu-aarch64-static /sbin/tini -- sleep 3600').command).toBe(
      '/sbin/tini -- sleep 3600',
    );
    expect(withoutEmulator('/usr/bin/qemu-s390x-static /usr/bin/python3 -m app').command).toBe(
      '/usr/bin/python3 -m app',
    );
  });

  it("takes a relative or login-shell argv[0] as the program's own", () => {
    expect(withoutEmulator('/usr/libexec/qemu-binfmt/aarch64-binfmt-P ./server ./server --port 80').command).toBe(
      './server --port 80',
    );
    expect(withoutEmulator('/usr/bin/qemu-aarch64 /bin/bash -bash').command).toBe('-bash');
  });

  it('leaves native processes, and programs merely named like an emulator argument, as they are', () => {
    for (const command of [
      '/usr/bin/qemu-nbd --fork=false -p 10809 /disk.img',
      'qemu-img convert /a /b',
      '/usr/bin/qemu-ga --method virtio-serial',
      'tini -- python -m csmcp.server',
      '/sbin/tini -- /usr/bin/qemu-aarch64 /bin/true',
      'sh -c sleep 3600',
      '/usr/bin/qemu-aarch64',
      '',
    ])
      expect(withoutEmulator(command)).toEqual({ command, emulator: null });
  });
});
