import { lastOutputLines } from '../../util/text.js';
import { isSecretFile } from '../../util/secrets.js';
import { posix } from 'node:path';
import type { FileRecord, FilesystemEvidence } from '../../evidence/filesystem.js';
import { failPerLayer } from '../per-layer.js';
import { formatSeconds } from '../../util/format.js';
import { defineCheck } from '../registry.js';
import { describeExit, describeLogTail } from '../describe.js';

// What the image's files allow: privilege escalation (setuid), writes outside the declared
// directories, and files that should never ship. Each finding names the layer that added it.

const SETUID = 0o4000;
const SETGID = 0o2000;
const ALWAYS_WRITABLE = ['/tmp', '/var/tmp', '/dev/shm', '/run/lock', '/var/lock'];

const paths = (files: FileRecord[]): string[] => files.map((file) => file.path);

function listed(files: FileRecord[], limit = 8): string {
  const shown = files
    .slice(0, limit)
    .map((file) => file.path)
    .join(', ');
  return files.length > limit ? `${shown} and ${files.length - limit} more` : shown;
}

export const checkNoSetuidFiles = defineCheck({
  id: 'HARD-FILESYSTEM-001',
  cis: ['4.8'],
  category: 'filesystem',
  severity: 'warning',
  title: 'No setuid or setgid files',
  proves: 'No regular file in the image has the setuid or setgid bit.',
  why: 'A setuid binary is a ready-made way back to root for anyone who gets a shell as the app user.',
  remediation:
    'Strip the bits in the runtime stage: `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +` (and run with no-new-privileges).',
  needs: ['filesystem'],
  run({ filesystem }, { locate }) {
    const found = Object.values(filesystem.files).filter(
      (file) => file.type === 'file' && (file.mode & (SETUID | SETGID)) !== 0,
    );
    if (found.length === 0) return { status: 'pass', message: 'no setuid or setgid file', measured: [] };
    return failPerLayer(
      found,
      filesystem,
      locate,
      (files, from) => `${files.length} setuid/setgid file(s) from ${from}: ${listed(files)}`,
      paths,
    );
  },
});

export const checkWritablePaths = defineCheck({
  id: 'HARD-FILESYSTEM-002',
  category: 'filesystem',
  severity: 'warning',
  title: 'The runtime user writes only where allowed',
  proves:
    'Outside /tmp, /var/tmp and writable-dirs (relative ones under the WORKDIR), no file or directory is owned by, group-writable for, or world-writable to the user the container runs as.',
  why: 'Application code the app user can overwrite turns any file-write bug into code execution; the production profile limits writes to logs/, data/, credentials/ and config/.',
  threshold: 'writable-dirs: logs, data, credentials, config',
  remediation:
    'Copy application files owned by root (`COPY --chown=root:<group>` or no --chown) and give the user only its data directories (`RUN mkdir logs data && chown csops logs data`).',
  needs: ['image', 'filesystem', 'runtime'],
  run({ image, filesystem, runtime }, { settings }) {
    const { uid, gid } = runtime.identity;
    if (uid === null) return { status: 'skip', message: 'the runtime user could not be determined' };
    if (uid === 0)
      return { status: 'skip', message: 'the container runs as root, which can write everywhere (see HARD-USER-003)' };
    const allowed = [
      ...ALWAYS_WRITABLE,
      ...settings.writableDirs.map((dir) => posix.resolve(image.workingDir || '/', dir)),
    ];
    const inAllowed = (path: string): boolean => allowed.some((dir) => path === dir || path.startsWith(`${dir}/`));
    const writable = Object.values(filesystem.files).filter((file) => {
      // Device nodes and the kernel's trees: the runtime mounts its own /dev, /proc and /sys.
      if (
        (file.type !== 'file' && file.type !== 'directory') ||
        inAllowed(file.path) ||
        /^\/(dev|proc|sys)(\/|$)/.test(file.path)
      )
        return false;
      // The owner can always chmod: owning a file is being able to write it.
      return (
        file.uid === uid ||
        (file.gid === gid && (file.mode & 0o020) !== 0) ||
        ((file.mode & 0o002) !== 0 && (file.mode & 0o1000) === 0)
      );
    });
    if (writable.length === 0)
      return { status: 'pass', message: `UID ${uid} can write only in ${allowed.join(', ')}`, measured: [] };
    // Each path counted under the outermost writable directory that holds it (the tree the user
    // can change: /usr/local/app with its node_modules), never under a parent it cannot write.
    const writableDirs = new Set(writable.filter((file) => file.type === 'directory').map((file) => file.path));
    const rootOf = (path: string): string => {
      let root = path;
      for (let dir = posix.dirname(path); dir !== '/' && dir !== '.'; dir = posix.dirname(dir))
        if (writableDirs.has(dir)) root = dir;
      return root;
    };
    const byTop = new Map<string, number>();
    for (const file of writable) {
      const top = rootOf(file.path);
      byTop.set(top, (byTop.get(top) ?? 0) + 1);
    }
    const summary = [...byTop]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([top, count]) => `${top} (${count})`)
      .join(', ');
    return {
      status: 'fail',
      message: `UID ${uid} can write ${writable.length} path(s) outside ${allowed.join(', ')}: ${summary}`,
      measured: writable.slice(0, 50).map((file) => file.path),
    };
  },
});

/** Files that must never ship, by name; keys and token files only when their content says so. */
export function neverShip(filesystem: FilesystemEvidence): FileRecord[] {
  const found: FileRecord[] = [];
  for (const file of Object.values(filesystem.files)) {
    if (file.type !== 'file' && file.type !== 'directory') continue;
    if (/^\/(usr\/(share|lib)|etc\/ssl|etc\/pki|etc\/ca-certificates|proc|sys)\//.test(file.path)) continue;
    const name = posix.basename(file.path);
    if (file.type === 'directory') {
      if (name === '.git' || name === '.ssh' || name === '.aws') found.push(file);
      continue;
    }
    if (file.path.includes('/.git/') || file.path.includes('/.ssh/') || file.path.includes('/.aws/')) continue; // the directory is reported
    if (isSecretFile(file.path.slice(1), filesystem.keyFiles[file.path] ?? '')) found.push(file);
  }
  return found;
}

export const checkNoShippedSecrets = defineCheck({
  id: 'HARD-FILESYSTEM-003',
  cis: ['4.10'],
  category: 'filesystem',
  severity: 'error',
  title: 'No files that should never ship',
  proves:
    'The image contains no .env files, private keys, .git/.ssh/.aws directories, credential files (.npmrc/.pypirc/.netrc with tokens, keystores) or files in a credentials/ directory.',
  why: 'Anyone who can pull the image can read them, forever: layers keep a file even after a later layer deletes it.',
  remediation:
    'Exclude them in .dockerignore, copy only what the image needs, and pass secrets at run time (or with `RUN --mount=type=secret` at build time).',
  needs: ['filesystem'],
  run({ filesystem }, { locate }) {
    const found = neverShip(filesystem);
    if (found.length === 0)
      return { status: 'pass', message: 'no .env, key, credential or VCS file in the image', measured: [] };
    return failPerLayer(found, filesystem, locate, (files, from) => `${listed(files)} — shipped by ${from}`, paths);
  },
});

export const checkHardenedRun = defineCheck({
  id: 'HARD-FILESYSTEM-004',
  cis: ['5.4', '5.13', '5.26'],
  category: 'filesystem',
  severity: 'warning',
  title: 'Runs read-only, without capabilities, with no-new-privileges',
  proves:
    'Started with a read-only root filesystem (tmpfs only for /tmp, /var/tmp and writable-dirs), all capabilities dropped and no-new-privileges, the container still becomes ready.',
  why: 'That is how production should run it (the production profile: read-only runtime, limited writable directories); an image that needs more has a hidden dependency on writing or privileges.',
  remediation:
    'Write only to the declared directories (or /tmp), do not bind ports below 1024 or change ownership at startup, and declare what must stay writable.',
  needs: ['runtime'],
  run({ runtime }) {
    const hardened = runtime.hardened;
    if (!hardened) return { status: 'skip', message: 'hardened-run is off' };
    const { service } = runtime;
    if (service.readiness.outcome !== 'ready' && service.readiness.method !== 'none')
      return {
        status: 'skip',
        message: 'the service does not become ready even without hardening (see HARD-STARTUP-001)',
      };
    const settings = `read-only root, tmpfs ${hardened.tmpfs.join(', ')}, cap-drop ALL, no-new-privileges`;
    if (hardened.exited)
      return {
        status: 'fail',
        message: `with ${settings}, the container ${describeExit(hardened.exited)}`,
        measured: false,
      };
    if (hardened.readiness.outcome === 'ready')
      return {
        status: 'pass',
        message: `ready after ${formatSeconds(hardened.readiness.readySeconds)} with ${settings}`,
        measured: true,
      };
    if (hardened.readiness.method === 'none')
      return {
        status: 'pass',
        message: `kept running for ${formatSeconds(hardened.readiness.waitedSeconds)} with ${settings} (no probe to tell readiness)`,
        measured: true,
      };
    return {
      status: 'fail',
      // Its own log says why (a write refused by the read-only root, a privilege it lacks).
      message: `with ${settings}, it never became ready (${hardened.readiness.attempts} probe attempts${hardened.retakenAlone ? `; started again alone, as the first start ran beside the service, which itself took ${formatSeconds(hardened.retakenAlone.serviceReadySeconds)}` : ''}); last output: ${lastOutputLines(hardened.readiness.lastOutput)}${describeLogTail(hardened.logTail, 3)}`,
      measured: false,
    };
  },
});
