import { ALL_CHECKS } from '../checks/index.js';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { connectEngine } from '../docker/engine.js';
import { newRunId, sweepRun } from '../docker/throwaway.js';
import { attempt, skipped, valueOf } from '../evidence/collected.js';
import { bringComposeUp } from '../evidence/compose-up.js';
import { builderBuilds, builderPlatforms } from '../docker/buildx.js';
import { describeEngine } from '../evidence/engine.js';
import { emulationOf } from '../evidence/emulation.js';
import { judgeEvidence, locateEvidence, validateIgnores } from '../judge.js';
import { inputLabel, type Options } from '../inputs/resolve.js';
import type { BaselineReport, Report, TargetReport } from '../model.js';
import { targetProgress, type Progress } from '../progress.js';
import { buildRunReport, buildTargetReport } from '../report/build-report.js';
import type { TargetRequest } from '../request.js';
import { mapLimit } from '../util/concurrency.js';
import { CancelledError, UsageError } from '../util/errors.js';
import { baselineWanted, proveBaseline, Worktrees } from './baseline.js';
import { collectTargetEvidence, type Collection } from './collect-target.js';
import type { EngineSession, RunControl } from './control.js';
import { DeferredCleanup } from '../util/deferred-cleanup.js';
import { planTargets, type Plan } from './plan.js';
import { pushProvenImage } from './push.js';
import { obtainServiceImage } from './service-images.js';

// One run, as the CLI and the action make it: plan the targets, prove them (up to `parallel` at
// once), bring each compose stack up from the images just proven, judge every target and its
// baseline, and return one report. The run owns cancellation: SIGINT/SIGTERM abort it, every
// container, network, compose project and worktree it made is removed, and it ends with
// CancelledError.

export interface RunHandle {
  /** The run's id (labels its containers; the action's post step sweeps by it). */
  runId?: string;
  /** Cancels the run from outside (a library caller); SIGINT and SIGTERM always do. */
  signal?: AbortSignal;
  /** Why this run may not push whatever its verdict (the action: a pull request from a fork). */
  pushRefusal?: string | null;
}

export async function runHardening(options: Options, progress: Progress, handle: RunHandle = {}): Promise<Report> {
  const cancel = new AbortController();
  const onSignal = (): void => cancel.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  handle.signal?.addEventListener('abort', onSignal, { once: true });
  const runId = handle.runId ?? newRunId();
  const worktrees = new Worktrees();
  const cleanup = new DeferredCleanup();
  let session: EngineSession | undefined;
  try {
    validateIgnores(options.ignores);
    session =
      options.settings.mode === 'full'
        ? await progress.phase('engine', () => connectSession(cancel.signal))
        : undefined;
    const engine = session?.engine;
    // What each builder can build, asked once (`docker buildx inspect` takes 0.1–0.3 s), not per platform.
    const builders = new Map<string, Promise<string[]>>();
    const askedBuilders = (builder: string): Promise<string[]> => {
      if (!builders.has(builder))
        builders.set(
          builder,
          // A failure is not kept: the next target that needs the builder asks it again.
          builderPlatforms(builder || undefined).catch((error: unknown) => {
            builders.delete(builder);
            throw error;
          }),
        );
      return builders.get(builder)!;
    };
    const plan = await progress.phase('plan', () =>
      planTargets(
        options,
        engine
          ? {
              obtainImage: async (reference) => {
                const availability = await obtainServiceImage(engine, reference, cancel.signal);
                if (availability.ok && availability.pulled) progress.info(`pulled ${reference} (check-service-images)`);
                return availability;
              },
              heldImage: async (reference) => {
                try {
                  const held = await engine.getImage(reference).inspect();
                  return [held.Id, ...(held.RepoDigests ?? [])];
                } catch (error) {
                  if ((error as { statusCode?: number }).statusCode === 404) return null;
                  throw error;
                }
              },
              platformsHere: async () => ({
                native: `linux/${valueOf(session!.record)?.architecture ?? ''}`,
                // An image needs only the native platform: a builder that cannot be asked (a
                // remote one, down) builds nothing, and a build target says so in its own phase.
                buildable: await askedBuilders(options.settings.builder).catch(() => []),
              }),
            }
          : {},
      ),
    );
    // Before anything is built: a push sends one proven image.
    if (options.settings.push && plan.targets.length !== 1)
      throw new UsageError(
        `${options.surface === 'cli' ? '--push' : 'push: true'} sends one proven image; this run has ${plan.targets.length} targets (${plan.targets.map((target) => target.name).join(', ') || 'none'}): name one context or image (discover: false, check-service-images: false), or run a matrix job per image`,
      );
    // The run's compose project (one per run, owned by one target): every target that is one of
    // its services is proven in its stack.
    const compose = plan.targets.find((target) => target.compose)?.compose ?? null;
    const control: RunControl = {
      runId,
      signal: cancel.signal,
      compose,
      cleanup,
      builderPlatforms: askedBuilders,
      ...(session ? { engine: session } : {}),
    };
    // An emulated platform's build and run take the CPU QEMU needs: beside it, the other targets'
    // startup and idle figures would be its load. One at a time, unless the user says otherwise.
    const emulated = emulatedPlatforms(plan, session ? valueOf(session.record)?.architecture : undefined);
    const limit = options.settings.parallel ?? (emulated.length > 0 ? 1 : availableParallelism());
    if (emulated.length > 0 && options.settings.parallel === null && plan.targets.length > 1)
      progress.info(
        `one target at a time: ${emulated.join(', ')} runs emulated here, and its emulator's load would be measured as the other targets' (${inputLabel('parallel', options.surface)} sets how many at once)`,
      );
    const several = plan.targets.length > 1;
    if (several)
      progress.info(
        `${plan.targets.length} targets, ${Math.min(limit, plan.targets.length)} at a time: ${plan.targets.map((target) => target.name).join(', ')}`,
      );
    const proven = await mapLimit(plan.targets, limit, async (request, index) => {
      const scoped = targetProgress(progress, several ? request.name : null, several && limit > 1);
      const collection = await collectTargetEvidence(request, scoped, control);
      // What starts next in this lane (another target, the baseline) is measured with no removal
      // of ours beside it; the last ones' removals overlap the judging.
      const another = index + limit < plan.targets.length;
      if (another || baselineWanted(request)) await cleanup.settle();
      // The base layers come from the evidence alone: the target is judged once, below, when
      // its compose stack's evidence is in too.
      const baseLayers = locateEvidence(collection.evidence, request.knownBaseLayers).baseLayerDigests();
      const baseline = await proveBaseline(request, baseLayers, {
        progress: scoped,
        control,
        worktrees,
      });
      return { request, collection, baseline, timings: scoped.timings };
    });
    const stacks = proven.filter(({ request }) => request.compose && request.collect.composeUp);
    // The stack's bring-up is timed: every removal of the targets' containers is done before it.
    if (stacks.length > 0) await cleanup.settle();
    for (const stack of stacks) {
      stack.collection.evidence.composeUp = await progress.phase(
        several ? `[${stack.request.name}] compose up` : 'compose up',
        () => bringStackUp(stack.request, proven, control, (message) => progress.info(message)),
      );
    }
    const targets = proven.map(({ request, collection, baseline, timings }) =>
      judged(request, collection, baseline, timings, options),
    );
    const report = buildRunReport({
      targets,
      checks: ALL_CHECKS,
      failOn: options.settings.failOn,
      notes: plan.notes,
      timings: progress.timings,
    });
    // Last, once the verdict is known: the proven image pushed, or withheld and why.
    if (options.settings.push && engine) {
      await cleanup.settle();
      report.push = await progress.phase('push', () =>
        pushProvenImage({
          engine,
          report,
          tags: options.settings.tags,
          refusal: handle.pushRefusal ?? null,
          info: (message) => progress.info(message),
          signal: cancel.signal,
        }),
      );
      if (progress.timings.push !== undefined) report.timings.push = progress.timings.push;
    }
    return report;
  } catch (error) {
    if (cancel.signal.aborted) throw new CancelledError();
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    handle.signal?.removeEventListener('abort', onSignal);
    await cleanup.settle();
    await worktrees.removeAll();
    // Whatever a cancelled or failed target left (its own cleanup runs in its finally blocks).
    if (cancel.signal.aborted && session) await sweepRun(session.engine, runId).catch(() => undefined);
  }
}

/** The engine, connected and described once for the whole run. */
export async function connectSession(signal?: AbortSignal): Promise<EngineSession> {
  const engine = await connectEngine();
  return { engine, record: await attempt(() => describeEngine(engine), signal) };
}

interface Proven {
  request: TargetRequest;
  collection: Collection;
  baseline: BaselineReport | null;
  timings: Record<string, number>;
}

/**
 * The stack from the images its targets proved: every service a target builds or runs (a service
 * that names the image another builds, a service image proven with check-service-images) runs
 * that target's image, and every `image:` name a build is given is tagged onto it. A service
 * whose image did not build keeps the stack down.
 */
async function bringStackUp(
  owner: TargetRequest,
  proven: Proven[],
  control: RunControl,
  info: (message: string) => void,
): Promise<Collection['evidence']['composeUp']> {
  const compose = owner.compose!;
  if (!control.engine) return skipped('static mode: nothing is run');
  const images: Record<string, string> = {};
  const names: Record<string, string> = {};
  for (const service of compose.services) {
    const key = `${service.file}#${service.name}`;
    const runs = proven.find(({ request }) => request.source.kind !== 'stack' && request.services.includes(key));
    const id = runs?.collection.target.imageId;
    if (!id) {
      if (service.data.build) return skipped(`the stack was not brought up: ${service.name}'s image did not build`);
      continue; // compose runs it as it would (pulled when missing)
    }
    images[service.name] = id;
    if (service.data.build && typeof service.data.image === 'string' && service.data.image !== '')
      names[service.data.image] = id;
  }
  // The files given to compose (`-f`); the ones they include or extend it finds itself.
  const absoluteFiles = compose.files
    .filter((file) => file.role === 'file')
    .map((file) => resolve(owner.workspace, file.path));
  return attempt(
    () =>
      bringComposeUp({
        engine: control.engine!.engine,
        compose,
        absoluteFiles,
        runId: control.runId,
        scope: owner.scope,
        images,
        names,
        env: owner.collect.runtime.env,
        timeoutSeconds: owner.collect.runtime.composeUpTimeoutSeconds,
        smokeTests: owner.settings.smokeTest,
        crashRecovery: owner.settings.crashRecovery,
        dependencyOutage: owner.settings.dependencyOutage,
        networkIsolation: owner.settings.networkIsolation,
        info,
        helperImage: owner.settings.helperImage,
        ...(control.signal ? { signal: control.signal } : {}),
      }),
    control.signal,
  );
}

function judged(
  request: TargetRequest,
  collection: Collection,
  baseline: BaselineReport | null,
  timings: Record<string, number>,
  options: Options,
): TargetReport {
  const { results, locate } = judgeEvidence(
    collection.evidence,
    request.settings,
    request.ignores,
    request.knownBaseLayers,
  );
  return buildTargetReport({
    name: request.name,
    kind: request.source.kind,
    target: collection.target,
    evidence: collection.evidence,
    locate,
    results,
    failOn: options.settings.failOn,
    timings,
    baseline,
    ...(request.platform ? { platformOf: request.platform.of } : {}),
  });
}

/** The platforms of the plan that this engine's CPU does not run natively (their builds and runs are emulated). */
function emulatedPlatforms(plan: Plan, hostArchitecture: string | undefined): string[] {
  if (!hostArchitecture) return [];
  // One the builder cannot build is not proven at all: nothing of it runs here.
  const buildable = (platform: string): boolean => !plan.here || builderBuilds(plan.here.buildable, platform);
  // An image's platform runs here if the engine has an emulator for it, whatever the builder lists
  // (a docker-container builder started before QEMU was registered lists none).
  const foreign = plan.targets
    .filter((target) => target.source.kind !== 'build' || buildable(target.collect.platform))
    .map((target) => target.collect.platform)
    .filter((platform) => platform !== '' && !platform.includes(','))
    .filter((platform) => emulationOf({ architecture: platform.split('/')[1] ?? '' }, hostArchitecture) !== null);
  return [...new Set(foreign)];
}
