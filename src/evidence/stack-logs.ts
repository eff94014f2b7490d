import type { Engine } from '../docker/engine.js';
import { demux, withoutColours } from '../docker/logs.js';
import { errorMessage } from '../util/errors.js';
import { isSecretName, maskSecrets, redactSecrets } from '../util/secrets.js';
import { findCrashSignatures, type CrashSignature } from './crash-signatures.js';

// What each container of the stack wrote while it ran, read from the engine before the stack is
// taken down, scanned for crash signatures (src/evidence/crash-signatures.ts), with what the
// engine itself recorded of a crash: an OOM kill, restarts. Only the findings are kept, their
// lines masked: a service's log is the place passwords get printed.

export interface ServiceLog {
  service: string;
  /** Lines read (the last LOG_LINES at most). */
  lines: number;
  findings: CrashSignature[];
  /** The kernel killed it for memory (the engine's State.OOMKilled). */
  oomKilled: boolean;
  /** How often the engine restarted it (its restart policy, after a crash). */
  restarts: number;
  /** Why its log could not be read (its log driver), when it could not: nothing was scanned. */
  unreadable?: string;
}

/** The last lines read of each log: a crash loop's repeats add nothing past these. */
const LOG_LINES = 5000;

export interface LoggedContainer {
  id: string;
  service: string;
  oomKilled: boolean;
  restarts: number;
}

export async function readStackLogs(
  engine: Engine,
  containers: LoggedContainer[],
  secrets: string[],
): Promise<ServiceLog[]> {
  return Promise.all(
    containers.map(async ({ id, service, oomKilled, restarts }) => {
      let unreadable: string | null = null;
      const text = await engine
        .getContainer(id)
        .logs({ stdout: true, stderr: true, tail: LOG_LINES, follow: false })
        .then((raw) => withoutColours(demux(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)))))
        .catch((error: unknown) => {
          // A log driver the engine cannot read back (none, syslog without the local cache).
          unreadable = errorMessage(error).split('\n')[0];
          return '';
        });
      const findings = findCrashSignatures(text).map((finding) => ({
        ...finding,
        excerpt: finding.excerpt.map((line) => redactSecrets(maskSecrets(line), secrets).slice(0, 400)),
      }));
      return {
        service,
        lines: text === '' ? 0 : text.replace(/\n$/, '').split('\n').length,
        findings,
        oomKilled,
        restarts,
        ...(unreadable ? { unreadable } : {}),
      };
    }),
  );
}

/**
 * The values of the secret-named variables the stack was given (the run's environment, which
 * compose interpolates from, and runtime-env), longest first as redactSecrets wants them.
 */
export function secretValues(env: Record<string, string | undefined>): string[] {
  const values = Object.entries(env)
    .filter((entry): entry is [string, string] => isSecretName(entry[0]) && (entry[1]?.length ?? 0) >= 4)
    .map(([, value]) => value);
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}
