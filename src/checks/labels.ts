import { labelCarrying } from './label-keys.js';
import { defineCheck } from './registry.js';
import { where } from './where.js';
import { variablesAt } from '../evidence/dockerfile.js';
import { resolveVariables } from '../evidence/variables.js';
import { instructions, measuredBy, shippedStages } from './dockerfile-helpers.js';

// The image's labels: the production profile's keys set, measured on the image (HARD-LABELS-001,
// -002) or read from the Dockerfile's LABELs (HARD-LABELS-003).

export const checkRequiredLabels = defineCheck({
  id: 'HARD-LABELS-001',
  category: 'labels',
  severity: 'warning',
  title: 'Required labels are present',
  proves:
    'Every label in required-labels is set on the image, with a non-empty value; the OCI annotation keys count for the ones they mean: org.opencontainers.image.authors for maintainer, org.opencontainers.image.version for version.',
  why: 'Owners, versions and security claims in labels are how registries, scanners and on-call people find out what an image is.',
  threshold: 'required-labels: maintainer, version, security.non-root',
  remediation:
    'Add them in the final stage: `LABEL maintainer="…" version="1.0.0" security.non-root="true"` (or, for the first two, `org.opencontainers.image.authors` and `org.opencontainers.image.version`).',
  needs: ['image'],
  run({ image }, { settings, locate }) {
    const hasValue = (key: string): boolean => (image.labels[key]?.trim() ?? '') !== '';
    const carriers = settings.requiredLabels.map((name) => ({ name, key: labelCarrying(name, hasValue) }));
    const missing = carriers.filter((carrier) => carrier.key === null).map((carrier) => carrier.name);
    const location = where(locate.lastInstruction('LABEL') ?? locate.finalFrom());
    if (missing.length === 0)
      return {
        status: 'pass',
        message: `all present: ${carriers.map(({ name, key }) => `${key}=${image.labels[key!]}${key === name ? '' : ` (as ${name})`}`).join(', ')}`,
        measured: settings.requiredLabels,
        ...location,
      };
    return {
      status: 'fail',
      message: `missing: ${missing.join(', ')}`,
      measured: missing,
      target: settings.requiredLabels,
      ...location,
    };
  },
});

export const checkNonRootLabelIsTrue = defineCheck({
  id: 'HARD-LABELS-002',
  category: 'labels',
  severity: 'error',
  title: 'The security.non-root label tells the truth',
  proves:
    "Where the image claims `security.non-root=true`, the running container's measured UID is not 0 (and where it claims false, it is).",
  why: 'Policies and reviewers trust the label; a false claim is worse than none.',
  remediation: 'Make the claim true (a non-root USER) or correct the label.',
  needs: ['image', 'runtime'],
  run({ image, runtime }, { locate }) {
    const claim = image.labels['security.non-root'];
    if (claim === undefined) return { status: 'skip', message: 'no security.non-root label' };
    const uid = runtime.identity.uid;
    if (uid === null) return { status: 'skip', message: 'the runtime UID could not be determined' };
    const claimsNonRoot = claim.trim().toLowerCase() === 'true';
    const isNonRoot = uid !== 0;
    const location = where(locate.lastInstruction('LABEL') ?? locate.finalFrom());
    if (claimsNonRoot === isNonRoot)
      return {
        status: 'pass',
        message: `security.non-root=${claim} and the container runs as UID ${uid}`,
        measured: uid,
        ...location,
      };
    return {
      status: 'fail',
      message: `security.non-root=${claim}, but the container runs as UID ${uid}`,
      measured: uid,
      target: claimsNonRoot ? 'non-zero UID' : 'UID 0',
      ...location,
    };
  },
});

export const checkDockerfileLabels = defineCheck({
  id: 'HARD-LABELS-003',
  category: 'labels',
  severity: 'warning',
  title: 'The Dockerfile sets the required labels',
  proves:
    'Every label in required-labels is set, with a value, by a LABEL of the shipped stages, read as Docker reads it (`key=value` pairs, or the legacy `LABEL maintainer "x"`); the OCI annotation keys count for the ones they mean: org.opencontainers.image.authors for maintainer, org.opencontainers.image.version for version. A value a build argument without a default gives counts as set.',
  why: 'Owner, version and security claims travel with the image only if the Dockerfile sets them.',
  threshold: 'required-labels: maintainer, version, security.non-root',
  remediation:
    'Add `LABEL maintainer="…" version="…" security.non-root="true"` to the final stage (or, for the first two, `org.opencontainers.image.authors` and `org.opencontainers.image.version`).',
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const measured = measuredBy(context, 'image', 'HARD-LABELS-001');
    if (measured) return measured;
    const chain = shippedStages(dockerfile);
    const labels = instructions(chain, 'LABEL');
    // The value each key ends with (a later LABEL overrides), variables substituted.
    const values = new Map<string, { value: string; unresolved: boolean }>();
    for (const { instruction } of labels) {
      const lookup = variablesAt(dockerfile, chain, instruction.line);
      for (const { name, value } of instruction.labels ?? legacyLabels(instruction.args)) {
        const resolved = resolveVariables(value, lookup);
        values.set(name, { value: resolved.value, unresolved: resolved.unresolved.length > 0 });
      }
    }
    const hasValue = (key: string): boolean => {
      const entry = values.get(key);
      return entry !== undefined && (entry.unresolved || entry.value.trim() !== '');
    };
    const carriers = context.settings.requiredLabels.map((name) => ({ name, key: labelCarrying(name, hasValue) }));
    const missing = carriers.filter((carrier) => carrier.key === null).map((carrier) => carrier.name);
    const location = where(
      labels.length > 0 ? context.locate.at(labels[labels.length - 1].instruction) : context.locate.finalFrom(),
    );
    if (missing.length === 0)
      return {
        status: 'pass',
        message: `sets ${carriers.map(({ name, key }) => (key === name ? name : `${name} (as ${key})`)).join(', ')}`,
        ...location,
      };
    return {
      status: 'fail',
      message: `missing: ${missing.join(', ')}`,
      measured: missing,
      ...location,
    };
  },
});

/** `key=value` pairs of a LABEL read without the parser's help (evidence recorded before it was kept). */
function legacyLabels(args: string): { name: string; value: string }[] {
  return [...args.matchAll(/(?:^|\s)("[^"]+"|[^\s=]+)=("[^"]*"|\S*)/g)].map((match) => ({
    name: match[1].replace(/^"(.*)"$/, '$1'),
    value: match[2].replace(/^"(.*)"$/, '$1'),
  }));
}
