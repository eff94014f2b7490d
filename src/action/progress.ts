import * as core from '@actions/core';
import { timedPhase, type Progress } from '../progress.js';
import { neutraliseCommands } from '../util/escape.js';
import { formatSeconds } from '../util/format.js';

/** One collapsible log group per phase, so the log reads like the pipeline, with its time. */
export function actionProgress(): Progress {
  const timings: Record<string, number> = {};
  return {
    timings,
    async phase(name, work) {
      core.startGroup(name);
      try {
        return await timedPhase(timings, name, work);
      } finally {
        core.info(`${name}: ${formatSeconds(timings[name])}`);
        core.endGroup();
      }
    },
    info: (message) => core.info(neutraliseCommands(message)),
  };
}
