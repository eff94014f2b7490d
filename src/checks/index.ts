import { checkCleanBuildTime, checkImageBuilds } from './build.js';
import { checkCacheOrdering, checkCachedRebuild, checkDockerfileCacheOrder } from './cache.js';
import { checkHardenedRun, checkNoSetuidFiles, checkNoShippedSecrets, checkWritablePaths } from './filesystem.js';
import {
  checkDockerfileHealthcheck,
  checkHealthTiming,
  checkHealthcheckDefined,
  checkProbeFailsWhenDown,
  checkProbePassesWhileRunning,
  checkProbeProgramExists,
} from './health.js';
import { checkDockerfileLabels, checkNonRootLabelIsTrue, checkRequiredLabels } from './labels.js';
import {
  checkComposeDatabaseAuth,
  checkComposeDatabasePorts,
  checkComposeHardening,
  checkComposePrivilegedPorts,
  checkComposeHealthGates,
  checkComposeHealthchecks,
  checkComposeImageTags,
  checkComposeLogging,
  checkComposeNetworks,
  checkComposePrivileges,
  checkComposeResources,
  checkComposeRestart,
  checkComposeSecrets,
} from './compose/index.js';
import {
  checkSettingsInForce,
  checkSmokeTests,
  checkStackHealthy,
  checkStackLogsClean,
  checkStartOrder,
} from './compose/index.js';
import {
  checkContextSize,
  checkDockerignoreExists,
  checkNoSecretsSent,
  checkDockerignoreExcludes,
} from './dockerignore.js';
import {
  checkAbsoluteWorkdir,
  checkApkNoCache,
  checkAptListsRemoved,
  checkAptRecommends,
  checkAptUpdateAlone,
  checkAptUpgrade,
  checkAptYes,
  checkBaseImagePinned,
  checkCopyChown,
  checkCopyOverAdd,
  checkMultiStage,
  checkNoSsh,
  checkNoSudo,
  checkPipNoCache,
  checkPipefail,
  checkVerifiedDownloads,
  checkWorldWritable,
} from './dockerfile/index.js';
import type { AnyCheck } from './registry.js';
import {
  checkDockerfileCommandSecrets,
  checkDockerfileSecrets,
  checkNoSecretsInEnv,
  checkNoSecretsInHistory,
} from './secrets.js';
import { checkStopsOnSigterm } from './shutdown.js';
import { checkDockerfileExecForm, checkDockerfileInit, checkExecForm, checkInitProcess } from './init.js';
import { checkCompressedSize, checkImageSize } from './size.js';
import { checkLayerCount } from './layers.js';
import { checkBecomesReady, checkStartupTime } from './startup.js';
import { checkIdleMemory } from './memory.js';
import { checkIdleCpu } from './cpu.js';
import { checkDockerfileBuildTools, checkDockerfileDevTools, checkNoBuildTools, checkNoDevTools } from './tools.js';
import { checkCriticalVulnerabilities, checkHighVulnerabilities, checkVulnerabilityDelta } from './vulnerabilities.js';
import {
  checkConfiguredUserIsNotRoot,
  checkDockerfileUser,
  checkExpectedUser,
  checkNumericUser,
  checkRunningUser,
} from './user.js';

/** Every check, in report order. docs/checks.md is generated from this list. */
export const ALL_CHECKS: readonly AnyCheck[] = [
  checkImageBuilds,
  checkCleanBuildTime,
  checkCachedRebuild,
  checkCacheOrdering,
  checkImageSize,
  checkCompressedSize,
  checkLayerCount,
  checkConfiguredUserIsNotRoot,
  checkExpectedUser,
  checkNumericUser,
  checkRunningUser,
  checkNoBuildTools,
  checkNoDevTools,
  checkHealthcheckDefined,
  checkProbeProgramExists,
  checkProbePassesWhileRunning,
  checkProbeFailsWhenDown,
  checkHealthTiming,
  checkBecomesReady,
  checkStartupTime,
  checkIdleMemory,
  checkIdleCpu,
  checkStopsOnSigterm,
  checkInitProcess,
  checkExecForm,
  checkRequiredLabels,
  checkNonRootLabelIsTrue,
  checkNoSecretsInEnv,
  checkNoSecretsInHistory,
  checkNoSetuidFiles,
  checkWritablePaths,
  checkNoShippedSecrets,
  checkHardenedRun,
  // The scanner's report (Trivy, Grype), when given.
  checkCriticalVulnerabilities,
  checkHighVulnerabilities,
  checkVulnerabilityDelta,
  // The files, read: what reviewers see on the lines of the PR.
  checkMultiStage,
  checkBaseImagePinned,
  checkDockerfileUser,
  checkDockerfileHealthcheck,
  checkDockerfileExecForm,
  checkDockerfileInit,
  checkDockerfileLabels,
  checkDockerfileBuildTools,
  checkDockerfileDevTools,
  checkDockerfileCacheOrder,
  checkDockerfileSecrets,
  checkDockerfileCommandSecrets,
  checkAptRecommends,
  checkAptListsRemoved,
  checkAptUpdateAlone,
  checkAptYes,
  checkAptUpgrade,
  checkPipNoCache,
  checkApkNoCache,
  checkCopyOverAdd,
  checkNoSudo,
  checkAbsoluteWorkdir,
  checkCopyChown,
  checkPipefail,
  checkNoSsh,
  checkWorldWritable,
  checkVerifiedDownloads,
  checkDockerignoreExists,
  checkDockerignoreExcludes,
  checkContextSize,
  checkNoSecretsSent,
  checkComposeHealthchecks,
  checkComposeHealthGates,
  checkComposeRestart,
  checkComposeResources,
  checkComposeLogging,
  checkComposeNetworks,
  checkComposePrivileges,
  checkComposeSecrets,
  checkComposeDatabasePorts,
  checkComposeDatabaseAuth,
  checkComposeHardening,
  checkComposePrivilegedPorts,
  checkComposeImageTags,
  checkStackHealthy,
  checkStartOrder,
  checkSettingsInForce,
  checkStackLogsClean,
  checkSmokeTests,
] as AnyCheck[];
