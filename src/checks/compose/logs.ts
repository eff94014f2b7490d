import type { ComposeService } from '../../evidence/compose.js';
import type { ComposeUpRecord } from '../../evidence/compose-up.js';
import type { Location } from '../../model.js';
import { defineCheck, type Verdict } from '../registry.js';
import { locationOf } from '../compose-keys.js';

// What the stack's containers logged while compose-up ran it (the bring-up, the smoke tests),
// scanned for crashes (src/evidence/crash-signatures.ts), with what the engine recorded: an OOM
// kill, a restart. One finding per crash, on the service's line, with its first lines.

export const checkStackLogsClean = defineCheck({
  id: 'HARD-COMPOSE-017',
  category: 'compose',
  severity: 'error',
  title: 'The stack runs without crashing',
  proves:
    "While compose-up ran the stack (bring-up and smoke tests), no container logged a crash (a Python traceback, a Go panic or fatal error, Node's uncaught exception or unhandled rejection, Java's uncaught exception, an out-of-memory death), none was OOM-killed and none was restarted. A FATAL-level log line is reported as a warning: databases write one for a client's mistake without crashing.",
  why: 'A service can pass its health check while a worker thread dies, a connection pool crashes on start, or the engine restarts it in a loop; the production checklist asks to check the logs for errors after every deployment.',
  remediation:
    'Read the lines shown and fix their cause (often a dependency reached before it is ready, a missing variable, or a memory limit below what the service needs); `docker compose logs SERVICE` shows the whole log.',
  needs: ['compose', 'composeUp'],
  run({ compose, composeUp }) {
    return judgeStackLogs(compose.services, composeUp);
  },
});

export function judgeStackLogs(services: ComposeService[], composeUp: ComposeUpRecord): Verdict[] {
  if (!composeUp.logs) return [{ status: 'skip', message: 'the logs of the stack were not read' }];
  const verdicts: Verdict[] = [];
  for (const log of composeUp.logs) {
    const service = services.find((candidate) => candidate.name === log.service);
    const location: Location | undefined = service ? locationOf(service) : undefined;
    const at = location ? { location } : {};
    const before = verdicts.length;
    if (log.oomKilled)
      verdicts.push({
        status: 'fail',
        message: `${log.service}: killed by the kernel for memory (the engine reports OOMKilled)`,
        measured: log,
        ...at,
      });
    if (log.restarts > 0)
      verdicts.push({
        status: 'fail',
        message: `${log.service}: restarted ${log.restarts} time${log.restarts === 1 ? '' : 's'} by the engine while the stack ran: it exited and its restart policy brought it back`,
        measured: log,
        ...at,
      });
    for (const finding of log.findings)
      verdicts.push({
        status: 'fail',
        ...(finding.crash ? {} : { severity: 'warning' as const }),
        message: `${log.service}: ${finding.crash ? finding.kind : 'a FATAL-level line'} at line ${finding.line} of its log: ${finding.excerpt.join(' | ')}`,
        measured: { service: log.service, ...finding },
        ...at,
      });
    if (verdicts.length === before && log.unreadable)
      verdicts.push({
        status: 'skip',
        message: `${log.service}: its log could not be read back, so it was not scanned: ${log.unreadable}`,
        measured: log,
        ...at,
      });
    else if (verdicts.length === before)
      verdicts.push({
        status: 'pass',
        message: `${log.service}: ${log.lines} log line${log.lines === 1 ? '' : 's'}, no crash, no OOM kill, no restart`,
        measured: { service: log.service, lines: log.lines },
        ...at,
      });
  }
  return verdicts;
}
