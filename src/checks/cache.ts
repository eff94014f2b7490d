import { formatSeconds, plural } from '../util/format.js';
import { isDependencyInstall } from '../util/commands.js';
import { instructionOfStep } from './build-steps.js';
import { defineCheck, type Verdict } from './registry.js';
import { where } from './where.js';

export const checkCachedRebuild = defineCheck({
  id: 'HARD-CACHE-001',
  category: 'cache',
  severity: 'warning',
  title: 'Cached rebuild',
  proves:
    'Rebuilt with nothing changed, every step comes from the cache and the build finishes within max-cached-build-seconds.',
  why: 'A rebuild that redoes work on every CI run (ADD of a URL, cache-busting arguments) wastes minutes per change; the production profile targets under 30 s.',
  threshold: 'max-cached-build-seconds: 30',
  remediation:
    'Avoid steps whose inputs change on every build (ADD from URLs, build args with timestamps); order the Dockerfile from least to most often changed.',
  needs: ['rebuild'],
  run({ rebuild }, { settings, evidence, locate }) {
    if (!rebuild.ok) return { status: 'skip', message: 'the rebuild failed; the first build did not' };
    const reran = rebuild.steps.filter((step) => !step.cached);
    const dockerfile = evidence.dockerfile.state === 'collected' ? evidence.dockerfile.value : undefined;
    const measured = { seconds: rebuild.seconds, reran: reran.length, steps: rebuild.steps.length };
    if (reran.length > 0) {
      const first = dockerfile ? instructionOfStep(dockerfile, reran[0].name) : null;
      return {
        status: 'fail',
        message: `with nothing changed, ${plural(reran.length, 'step')} of ${rebuild.steps.length} re-ran: ${reran.map((step) => step.name).join('; ')}`,
        measured,
        ...where(first ? locate.at(first) : undefined),
      };
    }
    const within = rebuild.seconds <= settings.maxCachedBuildSeconds;
    return {
      status: within ? 'pass' : 'fail',
      message: `all ${rebuild.steps.length} steps from the cache in ${formatSeconds(rebuild.seconds)} (limit ${formatSeconds(settings.maxCachedBuildSeconds)})`,
      measured,
      target: settings.maxCachedBuildSeconds,
    };
  },
});

export const checkCacheOrdering = defineCheck({
  id: 'HARD-CACHE-002',
  category: 'cache',
  severity: 'warning',
  title: 'Dependencies stay cached when the application changes',
  proves:
    "After one application source file changes (in a copy of the context), no dependency-install step (pip/npm/yarn/go mod/bundle/composer/apt-get install…) re-runs — as BuildKit's own step data shows.",
  why: 'Copying the application before installing dependencies reinstalls them on every code change: minutes per build instead of seconds.',
  remediation:
    'Copy the dependency manifest first and install, then copy the application: `COPY requirements.txt . ; RUN pip install -r requirements.txt ; COPY . .`.',
  needs: ['cacheProbe', 'dockerfile'],
  run({ cacheProbe, dockerfile }, { locate }) {
    if (!cacheProbe.ok)
      return {
        status: 'skip',
        message: `the probe build failed after changing ${cacheProbe.changedFile}: ${cacheProbe.logTail.split('\n').slice(-2).join(' | ')}`,
      };
    const reran = cacheProbe.steps.filter((step) => !step.cached);
    const installs = reran.filter((step) => isDependencyInstall(step.name));
    const measured = { changedFile: cacheProbe.changedFile, reran: reran.map((step) => step.name) };
    if (installs.length === 0) {
      return {
        status: 'pass',
        message: `changing ${cacheProbe.changedFile} re-ran ${plural(reran.length, 'step')} of ${cacheProbe.steps.length}, no dependency install${reran.length ? `: ${reran.map((step) => step.name.replace(/^\[[^\]]*\] /, '')).join('; ')}` : ''}`,
        measured,
      };
    }
    const verdicts: Verdict[] = [];
    for (const install of installs) {
      const instruction = instructionOfStep(dockerfile, install.name);
      // The culprit: the first COPY/ADD that re-ran in the same stage before the install.
      const stage = /^\[(?:(.+?) )?\d+\/\d+\]/.exec(install.name)?.[1];
      const copy = reran.find(
        (step) => /\] (COPY|ADD) /.test(step.name) && /^\[(?:(.+?) )?\d+\/\d+\]/.exec(step.name)?.[1] === stage,
      );
      const copyInstruction = copy ? instructionOfStep(dockerfile, copy.name) : null;
      const because = copyInstruction
        ? `: \`${copyInstruction.keyword} ${copyInstruction.args}\` (line ${copyInstruction.line}) copies application code before it`
        : '';
      verdicts.push({
        status: 'fail',
        message: `changing ${cacheProbe.changedFile} re-ran \`${install.name.replace(/^\[[^\]]*\] /, '')}\`${instruction ? ` (line ${instruction.line})` : ''}${because}`,
        measured,
        ...where(copyInstruction ? locate.at(copyInstruction) : instruction ? locate.at(instruction) : undefined),
      });
    }
    return verdicts;
  },
});
