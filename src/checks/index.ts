import { checkCleanBuildTime, checkImageBuilds } from './build.js';
import { checkCacheOrdering, checkCachedRebuild } from './cache.js';
import { checkHardenedRun, checkNoSetuidFiles, checkNoShippedSecrets, checkWritablePaths } from './filesystem.js';
import {
  checkHealthTiming,
  checkHealthcheckDefined,
  checkProbeFailsWhenDown,
  checkProbePassesWhileRunning,
  checkProbeProgramExists,
} from './health.js';
import { checkNonRootLabelIsTrue, checkRequiredLabels } from './labels.js';
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
} from './compose.js';
import { checkStackHealthy, checkStartOrder } from './compose-up.js';
import {
  checkContextSize,
  checkDockerignoreExists,
  checkNoSecretsSent,
  checkDockerignoreExcludes,
} from './dockerignore.js';
import {
  checkAbsoluteWorkdir,
  checkBaseImagePinned,
  checkCopyOverAdd,
  checkNoSsh,
  checkNoSudo,
  checkPipefail,
} from './dockerfile/instructions.js';
import {
  checkApkNoCache,
  checkAptListsRemoved,
  checkAptRecommends,
  checkAptUpdateAlone,
  checkAptUpgrade,
  checkAptYes,
  checkPipNoCache,
} from './dockerfile/packages.js';
import {
  checkCopyChown,
  checkDockerfileBuildTools,
  checkDockerfileCacheOrder,
  checkDockerfileExecForm,
  checkDockerfileHealthcheck,
  checkDockerfileInit,
  checkDockerfileLabels,
  checkDockerfileSecrets,
  checkDockerfileCommandSecrets,
  checkDockerfileUser,
  checkMultiStage,
} from './dockerfile/stages.js';
import type { AnyCheck } from './registry.js';
import { checkDockerfileDevTools } from './dockerfile/dev-tools.js';
import { checkVerifiedDownloads } from './dockerfile/downloads.js';
import { checkWorldWritable } from './dockerfile/permissions.js';
import { checkRunningUser } from './runtime-user.js';
import { checkNoSecretsInEnv, checkNoSecretsInHistory } from './secrets.js';
import { checkExecForm, checkInitProcess, checkStopsOnSigterm } from './shutdown.js';
import { checkCompressedSize, checkImageSize, checkLayerCount } from './size.js';
import { checkBecomesReady, checkIdleCpu, checkIdleMemory, checkStartupTime } from './startup.js';
import { checkNoBuildTools, checkNoDevTools } from './tools.js';
import { checkCriticalVulnerabilities, checkHighVulnerabilities, checkVulnerabilityDelta } from './vulnerabilities.js';
import { checkConfiguredUserIsNotRoot, checkExpectedUser, checkNumericUser } from './user.js';

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
] as AnyCheck[];
