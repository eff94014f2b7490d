import { posix } from 'node:path';
import type { Engine } from '../../docker/engine.js';
import { Throwaways, type Limits, type ThrowawaySpec } from '../../docker/throwaway.js';
import type { RuntimeOptions } from '../collection-options.js';
import type { Progress } from '../../progress.js';
import type { FilesystemEvidence } from '../filesystem.js';
import type { ImageEvidence } from '../image.js';
import { identityFromProbe, identityFromProcesses } from './identity.js';
import { runOneShot, startError } from './one-shot.js';
import { listeningReader } from './listening.js';
import { cgroupCpuReader } from './quiet.js';
import {
  awaitReadiness,
  chooseProbe,
  LISTENING_PROBE,
  unprobed,
  type Probe,
  type ProbeHelpers,
  type QuietEnd,
} from './probe.js';
import type { DownProbeRecord, HardenedRunRecord, IdentityRecord, RuntimeEvidence } from './records.js';
import { finishService, startService, unobserved } from './service.js';
import { joinStack, type JoinedStack, type StackRequest } from './stack.js';
import { hardenedNeedsRetake, lowerReadings, nearLimits } from './remeasure.js';
import { logTail } from '../../docker/logs.js';
import type { Defer } from '../../util/deferred-cleanup.js';

// The image, run. Three throwaway containers at once — the service as configured, the health
// probe alone (service never started), and the hardened run — then the service's idle cost and
// its `docker stop`. Whatever happens, every container and network of the run is removed.

export interface RuntimeContext {
  engine: Engine;
  image: ImageEvidence;
  /** Streamed while the containers run; awaited only where a fallback needs the image's files. */
  filesystem: Promise<FilesystemEvidence | undefined>;
  /**
   * Work of this run started once readiness is measured (the files, the cache rebuilds), settled
   * (never rejected): a busy service is sampled again, and the stop measured, after it.
   */
  background?: Promise<unknown>;
  /** Called once the service's readiness is measured: work that would compete for CPU may start. */
  onReadinessMeasured?: () => void;
  /** How to run it (the plan's collection options, src/evidence/collection-options.ts). */
  options: RuntimeOptions;
  runId: string;
  /** Which target of the run: keeps container and network names apart from the others'. */
  scope: string;
  progress: Progress;
  /** The compose service this image is, when the run has its compose file: proven in its stack. */
  stack?: StackRequest;
  /** Where the containers' removal goes once the evidence is in (the run's deferred cleanup). */
  defer?: Defer;
  signal?: AbortSignal;
}

export async function collectRuntimeEvidence(context: RuntimeContext): Promise<RuntimeEvidence> {
  const { image, options, signal } = context;
  const throwaways = new Throwaways(context.engine, context.runId, context.scope);
  // Cancelled: remove the containers now; the probes in flight then fail fast and unwind.
  const onAbort = (): void => void throwaways.removeAll();
  signal?.addEventListener('abort', onAbort, { once: true });
  let stack: JoinedStack | null = null;
  try {
    if (context.stack)
      stack = await joinStack({
        engine: context.engine,
        request: context.stack,
        runId: context.runId,
        scope: context.scope,
        info: (message) => context.progress.info(message),
        ...(signal ? { signal } : {}),
      });
    if (stack) context.progress.info(describeStack(stack));
    const probe = chooseProbe(image.healthcheck, image.exposedPorts);
    const limits: Limits = {
      memoryBytes: Math.round(options.memoryMb * 1e6),
      nanoCpus: Math.round(options.cpus * 1e9),
      pids: 512,
    };
    // In its stack, the measured containers join the stack's networks under the service's names.
    const joined = stack && stack.networks.length > 0 ? stack : null;
    const network = joined ? joined.networks[0] : options.network;
    const helpers: ProbeHelpers = {
      // A port probe needs an address: on network none the container is moved, when it comes to
      // that, to an internal network of this run (no route out).
      addressing: (container, attached) => throwaways.connectInternalNetwork(container, attached),
      listening: (container) =>
        listeningReader(container, throwaways, { image: image.id, limits: listenerLimits }, signal),
      cpu: cgroupCpuReader,
    };
    // Compose's environment for the service first; runtime-env, the user's own word, over it.
    const env = [
      ...(stack?.env ?? []).filter((line) => !(line.split('=')[0] in options.env)),
      ...Object.entries(options.env).map(([key, value]) => `${key}=${value}`),
    ];
    const base: ThrowawaySpec = {
      role: 'service',
      image: image.id,
      network,
      limits,
      env,
      ...(joined ? { moreNetworks: joined.networks.slice(1), aliases: joined.aliases } : {}),
    };
    const alone: ThrowawaySpec = { role: 'service', image: image.id, network: options.network, limits, env };
    const readyTimeoutMs = options.readyTimeoutSeconds * 1000;
    // Without a HEALTHCHECK or EXPOSE, a listening socket tells readiness; one that listens later
    // than max-startup-seconds would fail its startup anyway, so the watch ends there, or sooner
    // once the service is quiet (quiet.ts), to go on beside the idle window.
    const listenMs = Math.min(readyTimeoutMs, options.startupLimitSeconds * 1000);
    context.progress.info(
      probe.method === 'none'
        ? `no HEALTHCHECK and no exposed port: watching its network namespace for a listening TCP socket (up to ${options.startupLimitSeconds} s, or until it is quiet and then on through the idle window), and that it stays up through the idle window`
        : `probing readiness by ${describeProbe(probe)} every 250 ms (up to ${options.readyTimeoutSeconds} s)`,
    );

    // The service is started, sampled idle and stopped while the other two containers do their
    // own work: nothing it measures waits for them, and the slowest of the three sets the time.
    const argv = image.healthcheck?.argv ?? null;
    // The probe with the service down runs alone, whatever the stack: nothing may answer it.
    const downProbeRun = argv
      ? probeWithServiceDown(throwaways, { ...alone, network: 'none' }, argv, probe.timeoutMs || 10_000, signal)
      : Promise.resolve(null);
    // A hardened run that listens on nothing and is quiet has shown what it can once the service
    // itself was watched and seen not to listen: until then, a later listener may still start.
    let serviceNeverListened = false;
    let serviceWatchEnded = (): void => undefined;
    const serviceWatched = new Promise<void>((resolve) => (serviceWatchEnded = resolve));
    const hardenedRunning = options.hardenedRun
      ? hardenedRun(throwaways, base, probe, context, readyTimeoutMs, listenMs, helpers, 'hardened', {
          afterMs: options.idleSeconds * 1000,
          when: () => serviceNeverListened,
          wake: serviceWatched,
        })
      : Promise.resolve(null);
    const serviceRun = startService(throwaways, base, probe, readyTimeoutMs, listenMs, helpers, signal)
      .finally(() => context.onReadinessMeasured?.())
      .then(async (service) => ({
        service,
        record: await finishService(service, {
          idleMs: options.idleSeconds * 1000,
          cpuLimit: options.cpus,
          // Waiting longer than the limit would prove nothing more: one second past it tells "killed".
          stopTimeoutSeconds: options.stopTimeoutSeconds,
          listenMs,
          onWatchEnded: (listened) => {
            serviceNeverListened = !listened;
            serviceWatchEnded();
          },
          ...(context.background ? { beforeStop: context.background } : {}),
          ...(signal ? { signal } : {}),
          // The files start streaming once readiness is measured (just above), so this settles.
          recheckCpu: {
            above: options.recheckIdleCpuAbove,
            quiet: Promise.allSettled([downProbeRun, hardenedRunning, context.filesystem, context.background]),
            // Start-up work after it became ready is given as long as becoming ready was.
            settleWithinMs: readyTimeoutMs,
          },
        }),
      }));
    const [{ service, record }, downProbe, hardened] = await Promise.all([serviceRun, downProbeRun, hardenedRunning]);
    const near = nearLimits(record.readiness, {
      maxStartupSeconds: options.startupLimitSeconds,
      probeTimeoutSeconds: image.healthcheck?.argv ? image.healthcheck.effective.timeout : null,
    });
    if (near.length > 0) {
      // Once the image's files are read too, nothing else of this run competes with the second start.
      await Promise.allSettled([context.filesystem, context.background]);
      context.progress.info(
        `${near.join(' and ')} near ${near.length > 1 ? 'their limits' : 'its limit'}: starting the service again, alone, to take ${near.length > 1 ? 'them' : 'it'} again`,
      );
      // It became ready the first time: the second start is watched until it does again (a
      // service that pauses before it listens would otherwise end its watch quiet, unmeasured).
      const again = await startService(
        throwaways,
        { ...base, role: 'service-again' },
        probe,
        readyTimeoutMs,
        listenMs,
        helpers,
        signal,
        false,
      );
      await throwaways.remove(again.container);
      record.readiness = lowerReadings(record.readiness, again.outcome.readiness);
    }
    // A hardened run that timed out beside a slow service is taken again, alone.
    const serviceFirst = record.readiness.remeasured?.readySeconds[0] ?? record.readiness.readySeconds;
    let hardenedRecord = hardened;
    if (hardened && serviceFirst != null && hardenedNeedsRetake(hardened, serviceFirst)) {
      await Promise.allSettled([context.filesystem, context.background]);
      context.progress.info(
        `the hardened run never became ready beside the service, which itself took ${serviceFirst} s: starting it again, alone`,
      );
      const again = await hardenedRun(
        throwaways,
        base,
        probe,
        context,
        readyTimeoutMs,
        listenMs,
        helpers,
        'hardened-again',
      );
      hardenedRecord = { ...again, retakenAlone: { serviceReadySeconds: serviceFirst } };
    }
    // The processes as last listed: a quiet service's are listed again after its idle window.
    const listed = record.processes ?? service.processes;
    const identity: IdentityRecord = listed
      ? identityFromProcesses(listed)
      : await identityFromProbe(throwaways, alone, image, await context.filesystem, signal);
    return {
      network,
      limits,
      service: record,
      identity,
      downProbe,
      hardened: hardenedRecord,
      stack: stack?.record ?? null,
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    const removal = async (): Promise<void> => {
      const problems = await throwaways.removeAll();
      for (const problem of problems) context.progress.info(`could not remove ${problem}`);
      // After the measured containers: a network still in use cannot be removed.
      await stack?.down();
    };
    // Cancelled, the containers go at once (the run sweeps what is left right after).
    if (context.defer && !signal?.aborted)
      await context.defer(removal, (message) => context.progress.info(`could not take the stack down: ${message}`));
    else await removal();
  }
}

/** The helper that reads the socket tables needs next to nothing. */
const listenerLimits: Limits = { memoryBytes: 64e6, nanoCpus: 0.5e9, pids: 16 };

function describeStack(stack: JoinedStack): string {
  const { record } = stack;
  if (record.inStack)
    return `in its stack (${record.service}): ${record.dependencies.join(', ')} up${record.unchecked?.length ? ` (${record.unchecked.join(', ')} without a health check)` : ' and healthy'} after ${record.seconds} s; joining ${record.networks.join(', ')} as ${record.aliases.join(', ')}`;
  return `not in its stack (${record.service}): ${record.reason}`;
}

function describeProbe(probe: Probe): string {
  if (probe.method === 'healthcheck') return `running the HEALTHCHECK (${probe.argv!.join(' ')})`;
  if (probe.method === 'port') return `connecting to port ${probe.port}`;
  return 'nothing (no HEALTHCHECK, no exposed port): only checking the service stays up';
}

/**
 * The health probe as the only process of a fresh container of the same image (same user,
 * environment and working directory; the service never started; no network). A real probe fails
 * here; one that passes is fake. Works without a shell or `sleep` in the image.
 */
async function probeWithServiceDown(
  throwaways: Throwaways,
  spec: ThrowawaySpec,
  argv: string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<DownProbeRecord> {
  // A probe needs no privilege: whatever the image's HEALTHCHECK does, it does it without any.
  const result = await runOneShot(
    throwaways,
    { ...spec, role: 'probe-down', entrypoint: argv, cmd: [], dropAllCapabilities: true, noNewPrivileges: true },
    timeoutMs,
    signal,
  );
  return {
    probe: argv,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    seconds: result.seconds,
    output: result.output.slice(-2000),
    error: result.error,
  };
}

/**
 * The image started as production should run it: read-only root filesystem, tmpfs only for /tmp,
 * /var/tmp and the declared writable directories, all capabilities dropped, no-new-privileges.
 */
async function hardenedRun(
  throwaways: Throwaways,
  base: ThrowawaySpec,
  probe: Probe,
  context: RuntimeContext,
  readyTimeoutMs: number,
  listenMs: number,
  helpers: ProbeHelpers,
  role = 'hardened',
  quietEnd?: QuietEnd,
): Promise<HardenedRunRecord> {
  const { image, options } = context;
  // Sticky and world-writable like /tmp: any runtime user can write, without resolving its UID
  // from the image's files first (they are still being read).
  const tmpfs: Record<string, string> = {
    '/tmp': 'rw,nosuid,nodev,size=64m,mode=1777',
    '/var/tmp': 'rw,nosuid,nodev,size=64m,mode=1777',
  };
  for (const dir of options.writableDirs)
    tmpfs[posix.resolve(image.workingDir || '/', dir)] = 'rw,nosuid,nodev,size=64m,mode=1777';
  const container = await throwaways.create({
    ...base,
    role,
    readOnlyRoot: true,
    tmpfs,
    dropAllCapabilities: true,
    noNewPrivileges: true,
  });
  const startedAt = performance.now();
  try {
    await container.start();
  } catch (error) {
    const message = `could not start: ${startError(error)}`;
    const readiness = unprobed(probe, 'exited', message);
    return {
      readiness,
      exited: { exitCode: -1, oomKilled: false, afterSeconds: 0, logTail: message },
      tmpfs: Object.keys(tmpfs),
      logTail: message,
    };
  }
  // Without a probe, a listening socket, or else staying up as long as the service's idle window,
  // is all it can show: a quiet one (quiet.ts) has shown it once it has stayed up that long and
  // the service beside it was seen not to listen (`quietEnd`).
  const watched = probe.method === 'none' ? LISTENING_PROBE : probe;
  const idleMs = options.idleSeconds * 1000;
  const timeout = probe.method === 'none' ? Math.max(idleMs, listenMs) : readyTimeoutMs;
  const outcome = unobserved(
    await awaitReadiness(
      container,
      watched,
      startedAt,
      timeout,
      helpers,
      context.signal,
      probe.method === 'none' ? (quietEnd ?? { afterMs: idleMs }) : undefined,
    ),
    timeout,
  );
  const tail = outcome.exited?.logTail ?? (await logTail(container));
  // Removed as soon as it has answered: it costs nothing while the service is sampled idle. One
  // that ended its watch quiet answered after that window: it is killed (a quiet worker may wake
  // and load the machine while the stop or another target is measured) without waiting, and
  // removed with the run's other containers, off the time of the check.
  if (outcome.readiness.quietSeconds === undefined || outcome.exited) await throwaways.remove(container);
  else void container.kill().catch(() => undefined);
  return { readiness: outcome.readiness, exited: outcome.exited, tmpfs: Object.keys(tmpfs), logTail: tail };
}
