import type { ExitRecord } from '../evidence/runtime/records.js';
import { NO_DEPENDENCIES, type StackRecord } from '../evidence/runtime/records.js';
import { describeWait, wellKnownPort, type WaitRecord } from '../evidence/runtime/waiting-for.js';
import { formatSeconds } from '../util/format.js';

// Measurements in words, the same in every check that reports them.

/** A container that stopped on its own: code, when, whether it ran out of memory, its last words. */
export function describeExit(exited: ExitRecord): string {
  const oom = exited.oomKilled ? ' (killed: out of memory)' : '';
  return `exited with code ${exited.exitCode} after ${formatSeconds(exited.afterSeconds)}${oom}${describeLogTail(exited.logTail)}`;
}

/** "; in its stack: postgres, redis up and healthy" — or why it ran alone, when it is a compose service. */
export function describeStackRun(stack: StackRecord | null): string {
  if (!stack) return '';
  if (stack.inStack) return `; in its stack (${stack.service}): ${describeDependencies(stack)} first`;
  if (stack.reason === NO_DEPENDENCIES) return stack.environment.length > 0 ? '; with its compose environment' : '';
  return stack.reason ? `; run alone: ${stack.reason}` : '';
}

/** "db up and healthy, redis up (no health check to wait for)": healthy is said only of what has a health check. */
export function describeDependencies(stack: StackRecord): string {
  const unchecked = stack.unchecked ?? [];
  const healthy = stack.dependencies.filter((name) => !unchecked.includes(name));
  return [
    ...(healthy.length > 0 ? [`${healthy.join(', ')} up and healthy`] : []),
    ...(unchecked.length > 0 ? [`${unchecked.join(', ')} up (no health check to wait for)`] : []),
  ].join(', ');
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|0\.0\.0\.0)$/;

/** A running container's last log lines, on one line: "; last log lines: a | b", or that it wrote none. */
export function describeLogTail(logTail: string, lines = 5): string {
  const tail = logTail.trim();
  const last = tail
    .split('\n')
    .filter((line) => line.trim())
    .slice(-lines);
  return last.length > 0 ? `; last log lines: ${last.join(' | ')}` : '; it wrote no logs';
}

/**
 * What a service that exited, or never became ready, waited for, and how to give it that: the
 * dependency named, and the way in — its compose stack (why it could not be brought up, when it
 * is a compose service), or the inputs that give a lone container a network and an address.
 */
export function neededBy(
  waits: WaitRecord[],
  stack: StackRecord | null,
): { message: string; remediation: string } | null {
  if (waits.length === 0) return null;
  const message = `could not reach what it needs (${waits.map(describeWait).join('; ')})`;
  return { message, remediation: howToProvide(waits, stack) };
}

function howToProvide(waits: WaitRecord[], stack: StackRecord | null): string {
  const named = waits.find((wait) => wait.host && !LOOPBACK.test(wait.host));
  const local = waits.find((wait) => wait.host && LOOPBACK.test(wait.host));
  const what = (wait: WaitRecord): string =>
    wellKnownPort(wait.port) ?? `what listens on ${wait.host}:${wait.port ?? ''}`;
  const parts: string[] = [];
  if (stack?.inStack) {
    parts.push(
      `It ran in its stack (${describeDependencies(stack)} on ${stack.networks.join(', ')}) and still could not reach it: check that its address in the compose environment names a service of the stack${named ? ` (${named.host} is not one it can resolve)` : ''}.`,
    );
  } else if (stack) {
    parts.push(
      `It is ${stack.service}, a compose service, but ran alone because ${stack.reason ?? 'its stack was not brought up'}: fix that (a missing variable goes in runtime-env) and it is proven in its stack.`,
    );
  } else {
    parts.push(
      `Give it ${named ? `${what(named)} as ${named.host}` : local ? what(local) : 'its dependency'}: check it with the compose file that starts its dependencies (compose-files; its depends_on services are brought up first and it joins their network), or run that dependency on a network and give runtime-network and runtime-env its address.`,
    );
  }
  if (local && !stack?.inStack)
    parts.push(
      `It connects to ${local.host}${local.port !== null ? `:${local.port}` : ''}, inside its own container, where nothing listens: point it at the dependency by name (its URL in runtime-env).`,
    );
  return parts.join(' ');
}

/**
 * A service that never became ready was sampled, but not in the state it serves in (still waiting
 * for its database, say): what it used then is no idle cost to judge.
 */
export const NEVER_READY = {
  status: 'skip',
  message: 'the service never became ready, so what it used while waiting is not its idle cost (see HARD-STARTUP-001)',
} as const;
