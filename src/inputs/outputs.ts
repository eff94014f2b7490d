// The action's outputs, documented once: action.yml and the README are generated from this table,
// and the action sets them. Beside the inputs' table, so the docs generator imports no surface.
export const OUTPUTS = {
  passed: '`true` when no check at or above `fail-on` failed or could not run, else `false`.',
  'image-id': 'Id (`sha256:…`) of the image that was checked (with several targets: the first; `targets` has each).',
  'image-size-bytes':
    "Unpacked size of the image in bytes (its layers' files, as `max-image-size-mb` judges it), measured the same way on every image store.",
  'compressed-size-bytes':
    'Compressed size of the image in bytes (what a pull transfers); empty where not measured (the overlay2 store without `max-compressed-size-mb`).',
  'failed-checks': 'Comma-separated ids of the checks that failed (any severity), e.g. `HARD-USER-001,HARD-SIZE-001`.',
  'report-file': 'Path of the JSON report written by this run.',
  digest:
    "With `push: true`: the registry's manifest digest (`sha256:…`) of the pushed image, the one this run proved; empty when nothing was pushed.",
  metadata:
    'With `push: true`: `{"containerimage.digest", "image.name", "image.id"}` as JSON (docker/build-push-action\'s keys), or `{}` when nothing was pushed.',
  'attestation-predicate-type':
    'With `attestation-file`: the predicate type of the hardening attestation (for `actions/attest` and `cosign attest --type`).',
  'attestation-predicate':
    'With `attestation-file`: path of the predicate (the verdict, counts, checks and metrics: docs/attestation.md); empty when none was written.',
  'attestation-statement':
    "With `attestation-file`: path of the in-toto Statement whose subject is the image's registry digest; empty when the image has none (not pushed, not from a registry).",
  targets:
    'Every target of the run as JSON: `[{"name", "passed", "imageId", "imageSizeBytes", "failedChecks"}]` (for a matrix or a release step; `fromJSON()` reads it in a workflow).',
} as const;

export type OutputName = keyof typeof OUTPUTS;
