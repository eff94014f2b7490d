// The action's outputs, documented once: action.yml and the README are generated from this.
export const OUTPUTS = {
  passed: '`true` when no check at or above `fail-on` failed or could not run, else `false`.',
  'image-id': 'Id (`sha256:…`) of the image that was checked.',
  'image-size-bytes': 'Size of the image in bytes, as the engine reports it.',
  'failed-checks': 'Comma-separated ids of the checks that failed (any severity), e.g. `HARD-USER-001,HARD-SIZE-001`.',
  'report-file': 'Path of the JSON report written by this run.',
} as const;

export type OutputName = keyof typeof OUTPUTS;
