// The checks of category `dockerfile`: how the Dockerfile is written (stages, instructions,
// package managers, permissions, downloads), one file per concern.
export { checkMultiStage } from './multi-stage.js';
export {
  checkAbsoluteWorkdir,
  checkBaseImagePinned,
  checkCopyChown,
  checkCopyOverAdd,
  checkNoSsh,
  checkNoSudo,
  checkPipefail,
} from './instructions.js';
export {
  checkApkNoCache,
  checkAptListsRemoved,
  checkAptRecommends,
  checkAptUpdateAlone,
  checkAptUpgrade,
  checkAptYes,
  checkPipNoCache,
} from './packages.js';
export { checkVerifiedDownloads } from './downloads.js';
export { checkWorldWritable } from './permissions.js';
