import { where } from './where.js';
import { formatSeconds, plural } from '../util/format.js';
import { dependencyStep, isDependencyInstall } from '../util/commands.js';
import { instructionOfStep } from './build-steps.js';
import { type Verdict, defineCheck } from './registry.js';
import { copySources } from '../evidence/app-file.js';
import { type Instruction, stageChain } from '../evidence/dockerfile.js';
import { built, measuredBy, verdicts } from './dockerfile-helpers.js';

// The build cache: a rebuild after a code change reuses the dependency steps (measured, HARD-CACHE-001,
// -002), and the Dockerfile installs dependencies before copying the application (HARD-CACHE-003).

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

/** A COPY that brings the whole context (`.`, `./`, `*`). */
function copiesEverything(instruction: Instruction): boolean {
  return (
    (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') &&
    instruction.flags.from === undefined &&
    copySources(instruction).some((source) => /^(\.\/?|\*|\.\/\*)$/.test(source))
  );
}

export const checkDockerfileCacheOrder = defineCheck({
  id: 'HARD-CACHE-003',
  category: 'cache',
  severity: 'warning',
  title: 'Dependencies are installed before the application is copied',
  proves:
    'No stage copies the whole build context (`COPY . .`) and then fetches dependencies: an install (pip, npm, yarn, pnpm, bundler, composer, go mod download, cargo fetch, mvn dependency:go-offline, dotnet restore…), or a build that fetches them itself (go build, cargo build, mvn package, gradle build, dotnet build/publish) when they were not restored before the copy.',
  why: 'Every code change then invalidates the step that fetches dependencies: they are downloaded and installed again on each build.',
  remediation:
    'Copy the dependency manifest first and fetch, then copy the rest: `COPY requirements.txt . ; RUN pip install -r requirements.txt ; COPY . .` (`COPY go.mod go.sum ./ ; RUN go mod download`, `COPY *.csproj ./ ; RUN dotnet restore`, `COPY package*.json ./ ; RUN npm ci`).',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const measured = measuredBy(context, 'cacheProbe', 'HARD-CACHE-002');
    if (measured) return measured;
    const offenders: { instruction: Instruction; message: string }[] = [];
    for (const stage of built(dockerfile)) {
      const copy = stage.instructions.find(copiesEverything);
      if (!copy) continue;
      // Ecosystems whose dependencies were fetched before the copy (in this stage or one it is FROM).
      const before = new Set(
        stageChain({ ...dockerfile, finalStage: stage.index })
          .flatMap((chained) => chained.instructions)
          .filter(
            (instruction) =>
              instruction.keyword === 'RUN' &&
              (instruction.line < copy.line || !stage.instructions.includes(instruction)),
          )
          .map((instruction) => dependencyStep(instruction.args)?.ecosystem)
          .filter((name): name is string => name !== undefined),
      );
      for (const instruction of stage.instructions) {
        if (instruction.line <= copy.line || instruction.keyword !== 'RUN') continue;
        const step = dependencyStep(instruction.args);
        if (!step || (step.how === 'build' && before.has(step.ecosystem))) continue;
        const why =
          step.how === 'restore'
            ? ': every code change reinstalls the dependencies'
            : `, which fetches the ${step.ecosystem} dependencies itself: every code change fetches them again`;
        offenders.push({
          instruction: copy,
          message: `\`${copy.keyword} ${copy.args}\` copies the whole context before \`RUN ${instruction.args}\` (line ${instruction.line})${why}`,
        });
        break;
      }
    }
    return verdicts(offenders, context, 'no stage copies the whole context before installing dependencies');
  },
});
