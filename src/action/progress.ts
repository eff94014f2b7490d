import * as core from '@actions/core';
import { timedPhase, type Progress } from '../progress.js';
import { neutraliseCommands, stripControl } from '../util/escape.js';
import { formatSeconds } from '../util/format.js';
import { maskSecrets } from '../util/secrets.js';

/** Text for the log: no workflow command (`::…::`), no terminal control sequence, no credential. */
export function logSafe(text: string): string {
  return neutraliseCommands(stripControl(maskSecrets(text)));
}

/** One collapsible log group per phase, so the log reads like the pipeline, with its time. */
export function actionProgress(): Progress {
  const timings: Record<string, number> = {};
  return {
    timings,
    async phase(name, work) {
      core.startGroup(logSafe(name));
      try {
        return await timedPhase(timings, name, work);
      } finally {
        core.info(logSafe(`${name}: ${formatSeconds(timings[name])}`));
        core.endGroup();
      }
    },
    info: (message) => core.info(logSafe(message)),
  };
}
