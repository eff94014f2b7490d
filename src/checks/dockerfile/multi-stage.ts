import { where } from '../where.js';
import { defineCheck } from '../registry.js';
import { shippedStages, buildsSomething, stageLabel } from '../dockerfile-helpers.js';

// HARD-DOCKERFILE-001: the Dockerfile builds in one stage and ships another that leaves the build
// behind.

export const checkMultiStage = defineCheck({
  id: 'HARD-DOCKERFILE-001',
  category: 'dockerfile',
  severity: 'notice',
  title: 'Multi-stage build',
  proves:
    'The Dockerfile has more than one stage and the shipped stage leaves the build behind: it does not start FROM a stage that installs build tools or builds (it would inherit all of it).',
  why: "A single stage ships whatever building needed: compilers, headers, caches; so does a runtime stage that starts FROM the builder. The production profile's hardening starts with a builder and a clean runtime stage.",
  remediation:
    'Build in a `FROM … AS builder` stage and `COPY --from=builder` only the artefacts into a runtime stage that starts from a clean base.',
  needs: ['dockerfile'],
  run({ dockerfile }, { locate }) {
    const count = dockerfile.stages.length;
    if (count < 2)
      return {
        status: 'fail',
        message: 'one stage: everything the build needs also ships',
        measured: count,
        ...where(locate.finalFrom()),
      };
    const chain = shippedStages(dockerfile);
    const shippedStage = chain[chain.length - 1];
    // The stages the shipped one starts from (FROM <stage>), nearest first: what it inherits.
    const builder = chain.slice(0, -1).reverse().find(buildsSomething);
    if (builder) {
      return {
        status: 'fail',
        message: `the shipped stage ${stageLabel(shippedStage)} starts FROM ${stageLabel(builder)} (line ${builder.line}), which builds: it inherits everything that stage installed and built`,
        measured: count,
        ...where(locate.finalFrom()),
      };
    }
    return {
      status: 'pass',
      message: `${count} stages (${dockerfile.stages.map(stageLabel).join(', ')}); ${stageLabel(shippedStage)} ships`,
      measured: count,
    };
  },
});
