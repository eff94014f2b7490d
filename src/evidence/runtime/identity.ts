import type { Throwaways, ThrowawaySpec } from '../../docker/throwaway.js';
import { resolveUser } from '../accounts.js';
import type { FilesystemEvidence } from '../filesystem.js';
import type { ImageEvidence } from '../image.js';
import { runOneShot } from './one-shot.js';
import type { IdentityRecord, ProcessRecord } from './records.js';

// The UID/GID the container really runs as, by the best means available: the running service's
// processes (`docker top`); else `id` in a throwaway container; else, in an image without `id`
// (distroless, scratch), the image's own /etc/passwd and /etc/group — still a measurement of the
// image, not a skip.

export function identityFromProcesses(processes: ProcessRecord[]): IdentityRecord {
  const root = processes.find((process) => process.uid === 0);
  const init = processes.find((process) => process.init) ?? processes[0];
  const chosen = root ?? init;
  // Each program and UID once: a pre-forking server's workers (their number varies from one
  // sample to the next) say nothing more than the first.
  const listing = [
    ...new Set(processes.map((process) => `${process.command.split(' ')[0]} (UID ${process.uid})`)),
  ].join(', ');
  return {
    uid: chosen?.uid ?? null,
    gid: chosen?.gid ?? null,
    method: 'processes',
    detail: `processes of the running service: ${listing}`,
  };
}

export async function identityFromProbe(
  throwaways: Throwaways,
  spec: ThrowawaySpec,
  image: ImageEvidence,
  filesystem: FilesystemEvidence | undefined,
  signal?: AbortSignal,
): Promise<IdentityRecord> {
  // The image's ENTRYPOINT is replaced, not prepended: an entrypoint that ignores its arguments
  // cannot swallow `id`. No capability is needed to print one's own UID.
  const result = await runOneShot(
    throwaways,
    { ...spec, role: 'identity', entrypoint: ['id'], cmd: [], dropAllCapabilities: true, noNewPrivileges: true },
    10_000,
    signal,
  );
  const match = /uid=(\d+)(?:\([^)]*\))? gid=(\d+)/.exec(result.output);
  if (result.exitCode === 0 && match) {
    return {
      uid: Number(match[1]),
      gid: Number(match[2]),
      method: 'id',
      detail: `id in a throwaway container: ${result.output.trim().split('\n')[0]}`,
    };
  }
  const user = filesystem?.configuredUser ?? resolveUser(image.user, [], []);
  const why = result.error
    ? `no id in the image (${result.error})`
    : `id did not answer (exit ${result.exitCode ?? 'none'})`;
  return {
    uid: user.uid,
    gid: user.gid,
    method: 'passwd',
    detail: `${why}: resolved USER '${image.user}' from the image's /etc/passwd and /etc/group`,
  };
}
