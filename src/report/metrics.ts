import { parseGroup, parsePasswd, resolveUser } from '../evidence/accounts.js';
import { valueOf } from '../evidence/collected.js';
import type { EvidenceSet } from '../evidence/types.js';
import { emptyMetrics, type Metrics } from '../model.js';

/** The figures of a run, straight from the evidence; null where not measured. */
export function metricsOf(evidence: EvidenceSet): Metrics {
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
      metrics.healthInterval = health.intervalSeconds;
      metrics.healthTimeout = health.timeoutSeconds;
      metrics.healthStartPeriod = health.startPeriodSeconds;
      metrics.healthRetries = health.retries;
    }
  }
  const filesystem = valueOf(evidence.filesystem);
  if (image && filesystem) {
    const user = resolveUser(image.user, parsePasswd(filesystem.passwd ?? ''), parseGroup(filesystem.group ?? ''));
    metrics.runUid = user.uid;
    metrics.runGid = user.gid;
  }
  return metrics;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
