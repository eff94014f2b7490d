import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { exec } from './run.js';

// A second, disposable Docker engine on its own socket, data root, exec root and bridge, with no
// iptables rules: a test may kill it mid-run without touching the engine the other tests use.
// Destroying it removes everything it ran, even after a SIGKILL. (Not `--bridge none`: a dockerd
// started with it deletes the host's docker0, which the main engine needs.)

export interface DisposableEngine {
  host: string;
  docker(...args: string[]): ReturnType<typeof exec>;
  kill(): void;
  destroy(): Promise<void>;
}

/** Where an engine lives: its directory, bridge and the bridge's address (one per test file that uses one). */
interface Place {
  root: string;
  bridge: string;
  address: string;
}

/** The reliability suite's engine; another test file names its own, so two sessions never share one. */
const ENGINE2: Place = { root: '/tmp/cs-hardening-engine2', bridge: 'cs-hard-e2', address: '172.31.254.1/24' };

/**
 * The same kind of engine as the one under test (scripts/setup-engine.sh records which: its
 * dockerd, PATH and daemon config, e.g. the containerd image store); `dockerd` from PATH where
 * the engine is the developer's own.
 */
function activeEngine(): { dockerd: string; path: string; config: string | null } {
  const file = '/var/run/cs-engines/active.env';
  const values = existsSync(file)
    ? Object.fromEntries(
        readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      )
    : {};
  return {
    dockerd: values.CS_DOCKERD ?? 'dockerd',
    path: values.CS_ENGINE_PATH ?? process.env.PATH ?? '',
    config: values.CS_DAEMON_CONFIG ?? null,
  };
}

function start({ root: ROOT, bridge: BRIDGE }: Place): void {
  const out = `${ROOT}/dockerd.log`;
  const engine = activeEngine();
  // A killed daemon leaves its pid file; a new one refuses to start while it is there.
  rmSync(`${ROOT}/docker.pid`, { force: true });
  const config = engine.config ? ` --config-file ${engine.config}` : '';
  spawn(
    'sh',
    [
      '-c',
      `exec ${engine.dockerd}${config} --host unix://${ROOT}/docker.sock --data-root ${ROOT}/data --exec-root ${ROOT}/exec --pidfile ${ROOT}/docker.pid --bridge ${BRIDGE} --iptables=false --ip-masq=false >>${out} 2>&1`,
    ],
    { detached: true, stdio: 'ignore', env: { ...process.env, PATH: engine.path } },
  ).unref();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(host: string): Promise<boolean> {
  return (await exec('docker', ['-H', host, 'info', '--format', '{{.ServerVersion}}'], { timeoutMs: 5000 })).code === 0;
}

async function waitFor(host: string, up: boolean, ROOT: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    if ((await answers(host)) === up) return;
    await sleep(250);
  }
  throw new Error(
    `the disposable engine did not ${up ? 'start' : 'stop'}: ${readFileSync(`${ROOT}/dockerd.log`, 'utf8').slice(-1500)}`,
  );
}

export async function startDisposableEngine(place: Place = ENGINE2): Promise<DisposableEngine> {
  const { root: ROOT, bridge: BRIDGE } = place;
  mkdirSync(ROOT, { recursive: true });
  await exec('sh', [
    '-c',
    `ip link show ${BRIDGE} >/dev/null 2>&1 || { ip link add ${BRIDGE} type bridge && ip addr add ${place.address} dev ${BRIDGE} && ip link set ${BRIDGE} up; }`,
  ]);
  const host = `unix://${ROOT}/docker.sock`;
  start(place);
  await waitFor(host, true, ROOT);
  return {
    host,
    docker: (...args) => exec('docker', ['-H', host, ...args]),
    kill() {
      process.kill(Number(readFileSync(`${ROOT}/docker.pid`, 'utf8')), 'SIGKILL');
    },
    async destroy() {
      // Start it again so it can remove what it ran, then stop it properly.
      if (!(await answers(host))) {
        start(place);
        await waitFor(host, true, ROOT).catch(() => undefined);
      }
      const ids = (await exec('docker', ['-H', host, 'ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await exec('docker', ['-H', host, 'rm', '-f', ...ids]);
      // Stopped means the process is gone, not just the socket: dockerd unmounts on its way out.
      const pid = existsSync(`${ROOT}/docker.pid`) ? Number(readFileSync(`${ROOT}/docker.pid`, 'utf8')) : 0;
      if (pid > 0) {
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 60 && alive(pid); i++) await sleep(250);
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
      // Whatever still runs from its directories (shims and their processes) goes, then its mounts.
      // Only dockerd/containerd(-shim) processes: a plain `pgrep -f <root>` also matches this shell.
      await exec('sh', [
        '-c',
        `for p in $(pgrep -f '(dockerd|containerd)[^ ]* .*${ROOT}'); do pkill -9 -P $p; kill -9 $p; done`,
      ]);
      for (let i = 0; i < 5; i++) {
        const mounted = (await exec('sh', ['-c', `mount | awk '{print $3}' | grep '^${ROOT}' | sort -r`])).stdout
          .split('\n')
          .filter(Boolean);
        if (mounted.length === 0) break;
        for (const path of mounted) await exec('umount', ['-l', path]);
      }
      rmSync(ROOT, { recursive: true, force: true });
      await exec('ip', ['link', 'delete', BRIDGE]);
    },
  };
}
