import type { Engine } from '../docker/engine.js';
import { hasImage } from '../docker/engine.js';
import { demux, withoutColours } from '../docker/logs.js';
import { pullImage } from '../docker/pull.js';
import { Throwaways } from '../docker/throwaway.js';
import { within } from '../util/deadline.js';
import { errorMessage } from '../util/errors.js';
import { round } from '../util/format.js';
import { maskSecrets, redactSecrets } from '../util/secrets.js';

// The user's smoke tests (`smoke-test`), run against the stack compose-up brought up: each command
// in a fresh helper container (`helper-image`) joined to every network of the stack, so it
// reaches the services by their names as they reach each other (`wget -qO- http://web:8080/health`).
// One after the other, in the order given; each must exit 0 within SMOKE_TEST_SECONDS. The helper
// is a throwaway of the run: labelled, limited, removed whatever happens.

export interface SmokeTestResult {
  command: string;
  /** null: it did not finish (timed out, or could not start). */
  exitCode: number | null;
  seconds: number;
  timedOut: boolean;
  /** Its last output lines, masked. */
  output: string;
  /** Why it could not run at all. */
  error: string | null;
}

/** How long one smoke test may run: a request to a healthy stack answers in far less. */
export const SMOKE_TEST_SECONDS = 60;

export interface SmokeTestOptions {
  engine: Engine;
  project: string;
  runId: string;
  scope: string;
  commands: string[];
  image: string;
  /** Values to hide in what the commands print (the stack's secrets). */
  secrets: string[];
  info?: (message: string) => void;
  signal?: AbortSignal;
}

export async function runSmokeTests(options: SmokeTestOptions): Promise<SmokeTestResult[]> {
  if (options.commands.length === 0) return [];
  const networks = await stackNetworks(options.engine, options.project);
  if (!(await hasImage(options.engine, options.image)))
    try {
      await pullImage(options.engine, options.image, 'helper-image', options.signal);
    } catch (error) {
      options.signal?.throwIfAborted();
      // Each smoke test fails, saying why; the rest of the stack's proofs go on.
      const why = errorMessage(error).split('\n')[0];
      return options.commands.map((command) => failed(redactSecrets(maskSecrets(command), options.secrets), 0, why));
    }
  const throwaways = new Throwaways(options.engine, options.runId, `${options.scope}-smoke`);
  const results: SmokeTestResult[] = [];
  try {
    for (const [index, command] of options.commands.entries()) {
      options.signal?.throwIfAborted();
      options.info?.(
        `smoke test ${index + 1}/${options.commands.length}: ${redactSecrets(maskSecrets(command), options.secrets)}`,
      );
      results.push(await runOne(throwaways, networks, command, options));
    }
  } finally {
    await throwaways.removeAll();
  }
  return results;
}

async function runOne(
  throwaways: Throwaways,
  networks: string[],
  command: string,
  options: SmokeTestOptions,
): Promise<SmokeTestResult> {
  const started = performance.now();
  const seconds = (): number => round((performance.now() - started) / 1000);
  const hide = (text: string): string => redactSecrets(maskSecrets(text), options.secrets);
  const shown = hide(command);
  if (networks.length === 0)
    return failed(shown, seconds(), 'the stack has no network of its own to join (every service on the host network?)');
  let container;
  try {
    container = await throwaways.create({
      role: 'smoke',
      image: options.image,
      entrypoint: ['sh', '-c', command],
      network: networks[0],
      moreNetworks: networks.slice(1),
      limits: { memoryBytes: 256 * 1024 ** 2, nanoCpus: 1e9, pids: 256 },
    });
    await container.start();
  } catch (error) {
    return failed(shown, seconds(), hide(String((error as Error).message ?? error)).split('\n')[0]);
  }
  // Cancelled while it runs: the helper goes at once (its wait then ends), not when the command does.
  const helper = container;
  const onAbort = (): void => void throwaways.remove(helper);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const outcome = await within(
    (container.wait() as Promise<{ StatusCode: number }>).catch(() => ({ StatusCode: -1 })),
    SMOKE_TEST_SECONDS * 1000,
  ).finally(() => options.signal?.removeEventListener('abort', onAbort));
  options.signal?.throwIfAborted();
  const raw = await container
    .logs({ stdout: true, stderr: true, tail: 20, follow: false })
    .catch(() => Buffer.alloc(0));
  const output = hide(withoutColours(demux(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)))))
    .trimEnd()
    .slice(-2048);
  await throwaways.remove(container);
  return {
    command: shown,
    exitCode: outcome.timedOut ? null : outcome.value.StatusCode,
    seconds: seconds(),
    timedOut: outcome.timedOut,
    output,
    error: null,
  };
}

function failed(command: string, seconds: number, error: string): SmokeTestResult {
  return { command, exitCode: null, seconds, timedOut: false, output: '', error };
}

/** The networks compose made for the project, the default one first when there is one. */
async function stackNetworks(engine: Engine, project: string): Promise<string[]> {
  const networks = await engine.listNetworks({
    filters: JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
  });
  return networks
    .map((network) => network.Name)
    .sort((a, b) => Number(b.endsWith('_default')) - Number(a.endsWith('_default')) || a.localeCompare(b));
}
