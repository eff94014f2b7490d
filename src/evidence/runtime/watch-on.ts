import { setTimeout as sleep } from 'node:timers/promises';
import { round } from '../../util/format.js';
import type { ListeningReader, ListeningSocket } from './listening.js';
import { PROBE_INTERVAL_MS } from './probe.js';
import type { ReadinessRecord } from './records.js';

// The watch for a listening socket, gone on beside the idle window once the service went quiet
// (quiet.ts): a service that pauses (a timer, a dependency) and then listens is still seen, and
// its readiness is the moment it listened.

export interface LateListening {
  /** Seconds from the service's start when the socket was first seen. */
  seconds: number;
  sockets: ListeningSocket[];
  attempts: number;
}

export interface WatchOn {
  /** Settles once the watch ends by itself: a socket seen, or the tables no longer readable (null). */
  ended: Promise<LateListening | null>;
  /** Ends the watch: what it found, or null when nothing listened (or the tables stopped being readable). */
  stop: () => Promise<LateListening | null>;
}

export function watchListening(read: ListeningReader, startedAt: number, signal?: AbortSignal): WatchOn {
  let stopped = false;
  // Stopping cuts the pause between two reads short: the idle window's end waits for nothing.
  const pause = new AbortController();
  const watching = (async (): Promise<LateListening | null> => {
    let attempts = 0;
    while (!stopped && !signal?.aborted) {
      const tick = performance.now();
      const sockets = await read().catch(() => null);
      attempts++;
      if (sockets === null) return null;
      if (sockets.length > 0) return { seconds: round((performance.now() - startedAt) / 1000), sockets, attempts };
      const wait = PROBE_INTERVAL_MS - (performance.now() - tick);
      if (wait > 0 && !stopped) await sleep(wait, undefined, { signal: pause.signal }).catch(() => undefined);
    }
    return null;
  })();
  return {
    ended: watching,
    stop: async () => {
      stopped = true;
      pause.abort();
      return watching;
    },
  };
}

/** The readiness of a service whose listening socket was seen only once the watch went on. */
export function listenedLate(readiness: ReadinessRecord, found: LateListening): ReadinessRecord {
  return {
    ...readiness,
    method: 'listening',
    port: found.sockets[0].port,
    listening: found.sockets,
    readySeconds: found.seconds,
    outcome: 'ready',
    attempts: readiness.attempts + found.attempts,
    lastOutput: '',
    waitedSeconds: found.seconds,
  };
}
