import { valueOf } from '../evidence/collected.js';
import { emulatedBuild, emulatedRun, emulationText } from '../evidence/emulation.js';
import type { EvidenceSet } from '../evidence/types.js';
import { emptyMetrics, type Metrics } from '../model.js';
import { round } from '../util/format.js';
import type { Locator } from '../evidence/locate.js';
import { measureSizeBreakdown } from './size-breakdown.js';
import { countVulnerabilities } from '../evidence/vulnerability-findings.js';
import { maskSecrets } from '../util/secrets.js';

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
    metrics.layers = image.layers;
    const health = image.healthcheck;
    if (health?.argv) {
      metrics.healthInterval = health.effective.interval;
      metrics.healthTimeout = health.effective.timeout;
      metrics.healthStartPeriod = health.effective.startPeriod;
      metrics.healthStartInterval = health.effective.startInterval;
      metrics.healthRetries = health.effective.retries;
    }
  }
  const buildEmulation = emulatedBuild(evidence);
  const runEmulation = emulatedRun(evidence);
  if (buildEmulation || runEmulation)
    metrics.emulated = {
      build: buildEmulation && metrics.buildSeconds !== null ? emulationText(buildEmulation) : null,
      runtime: runEmulation && evidence.runtime.state === 'collected' ? emulationText(runEmulation) : null,
    };
  const filesystem = valueOf(evidence.filesystem);
  if (filesystem) {
    metrics.imageSizeBytes = filesystem.size.unpackedBytes;
    metrics.compressedSizeBytes = filesystem.size.compressedBytes;
  }
  if (image && filesystem) {
    const user = filesystem.configuredUser;
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
    // The command line of PID 1 as the engine saw it (`redis-server --requirepass …`): masked.
    const pid1 = service.processes?.find((process) => process.init)?.command;
    metrics.pid1 = pid1 === undefined ? null : maskSecrets(pid1);
  }
  const vulnerabilities = valueOf(evidence.vulnerabilities);
  if (vulnerabilities) metrics.vulnerabilities = countVulnerabilities(vulnerabilities.current.vulnerabilities);
  return metrics;
}
