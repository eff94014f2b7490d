import { parseGroup, parsePasswd, resolveUser } from '../evidence/accounts.js';
import { valueOf } from '../evidence/collected.js';
import type { EvidenceSet } from '../evidence/types.js';
import { emptyMetrics, type Metrics } from '../model.js';
import { round } from '../util/format.js';
import type { Locator } from '../checks/locate.js';
import { measureSizeBreakdown } from './size-breakdown.js';

/** The figures of a run, straight from the evidence; null where not measured. */
export function metricsOf(evidence: EvidenceSet, locate: Locator): Metrics {
  const metrics = emptyMetrics();
  const build = valueOf(evidence.build);
  if (build?.ok) {
    metrics.buildSeconds = round(build.seconds);
    metrics.buildSteps = build.steps.length;
    metrics.buildCachedSteps = build.steps.filter((step) => step.cached).length;
  }
  const image = valueOf(evidence.image);
  if (image) {
    metrics.imageSizeBytes = image.sizeBytes;
    metrics.layers = image.layers;
    const health = image.healthcheck;
    if (health && health.test[0] !== 'NONE') {
      // Effective settings: Docker's defaults where the HEALTHCHECK leaves one out.
      metrics.healthInterval = health.intervalSeconds ?? 30;
      metrics.healthTimeout = health.timeoutSeconds ?? 30;
      metrics.healthStartPeriod = health.startPeriodSeconds ?? 0;
      metrics.healthRetries = health.retries ?? 3;
    }
  }
  const filesystem = valueOf(evidence.filesystem);
  if (image && filesystem) {
    const user = resolveUser(image.user, parsePasswd(filesystem.passwd ?? ''), parseGroup(filesystem.group ?? ''));
    metrics.runUid = user.uid;
    metrics.runGid = user.gid;
    metrics.sizeBreakdown = measureSizeBreakdown(filesystem, locate);
  }
  const rebuild = valueOf(evidence.rebuild);
  if (rebuild?.ok) metrics.cachedBuildSeconds = round(rebuild.seconds);
  const runtime = valueOf(evidence.runtime);
  if (runtime) {
    const { service, identity } = runtime;
    if (identity.uid !== null) {
      metrics.runUid = identity.uid;
      metrics.runGid = identity.gid;
    }
    metrics.startupSeconds = service.readiness.readySeconds;
    metrics.idleMemoryBytes = service.idle?.memoryBytesMax ?? null;
    metrics.idleCpu = service.idle?.cpu ?? null;
    metrics.stopSeconds = service.stop?.seconds ?? null;
    metrics.stopExitCode = service.stop?.exitCode ?? null;
    metrics.pid1 = service.processes?.find((process) => process.init)?.command ?? null;
  }
  return metrics;
}
