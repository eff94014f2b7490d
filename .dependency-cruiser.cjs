// The layer rules of docs/architecture.md ("The flow", "Dependencies point one way"), checked by
// dependency-cruiser on src/: `npm run deps` (and `npm test`, in its lint step). Rules name folders,
// not files, so they hold when a module moves within its layer. Type-only imports count here: a
// layer may not even name the types of a layer it must not know. Whether the checks and the
// renderers load I/O at run time, through any chain of imports, is checked on the run-time graph
// (type-only imports erased) by .dependency-cruiser-runtime.cjs, which shares these layers.

const layers = {
  model: '^src/(model|cis|version)\\.ts$',
  util: '^src/util/',
  inputs: '^src/inputs/',
  docker: '^src/docker/',
  evidence: '^src/evidence/',
  checks: '^src/(checks/|judge\\.ts$)',
  report: '^src/report/',
  // Everything in report/ but the report's own construction and the one module that writes files.
  renderers: '^src/report/(?!(build-report|metrics|cis-coverage|security-context|size-breakdown|write-reports)\\.ts$)',
  run: '^src/(run/|request\\.ts$|progress\\.ts$|merge-reports\\.ts$)',
  docs: '^src/docs/',
  cli: '^src/(cli/|cli\\.ts$)',
  action: '^src/(action/|index\\.ts$)',
};

// What does I/O: the file system, processes, the network, and the engine.
const io = {
  core: '^(node:)?(fs|fs/promises|child_process|net|http|https|http2|tls|dgram)$',
  dockerode: 'node_modules/(@types/)?dockerode/',
  modules: ['^src/docker/', '^src/util/(process|atomic-write)\\.ts$'],
};

/** A layer may import, of src/, only these (its own folder included). */
const only = (name, from, allowed, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { path: '^src/', pathNot: [from, ...allowed] },
});

// The modules of checks/ that hold no check and that every check module may share.
const sharedCheckHelpers =
  '^src/checks/(registry|where|per-layer|describe|build-steps|label-keys|dockerfile-helpers|pid1|compose-keys|emulated)\\.ts$';

const forbidden = [
  {
    name: 'no-circular',
    comment: 'No cycles: every layer can be read, tested and moved without the ones above it.',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  {
    name: 'nothing-imports-the-cli',
    comment: 'A surface holds no logic another module needs; only the CLI itself imports its files.',
    severity: 'error',
    from: { pathNot: layers.cli },
    to: { path: layers.cli },
  },
  {
    name: 'nothing-imports-the-action',
    comment: 'A surface holds no logic another module needs; only the action itself imports its files.',
    severity: 'error',
    from: { pathNot: layers.action },
    to: { path: layers.action },
  },
  only('model-is-the-contract', layers.model, [layers.util], 'model.ts, cis.ts and version.ts import no layer.'),
  only('util-is-a-leaf', layers.util, [], 'util/ imports nothing of src/ but util/.'),
  only('docker-knows-no-layer', layers.docker, [layers.util, layers.model], 'docker/ is reached, never reaches.'),
  only(
    'inputs-below-the-run',
    layers.inputs,
    [layers.util, layers.model, layers.docker],
    'inputs/ reads the inputs and config files; it knows no evidence, check, report or run.',
  ),
  {
    name: 'inputs-talk-to-no-docker',
    comment: 'inputs/ may name docker/ types (the build inputs), never call it.',
    severity: 'error',
    from: { path: layers.inputs },
    to: { path: layers.docker, dependencyTypesNot: ['type-only'] },
  },
  only(
    'evidence-below-the-judge',
    layers.evidence,
    [layers.docker, layers.inputs, layers.util, layers.model, '^src/(request|progress)\\.ts$'],
    'Evidence is measured or read; it never judges, reports or runs.',
  ),
  only(
    'checks-judge-evidence-only',
    layers.checks,
    [layers.evidence, layers.model, layers.util, '^src/inputs/definitions\\.ts$'],
    'checks/ and judge.ts: evidence in, verdicts out (the settings table for thresholds).',
  ),
  {
    name: 'checks-import-no-io',
    comment: 'A check is a pure function of the evidence: no file system, process, network or engine.',
    severity: 'error',
    from: { path: layers.checks },
    to: { path: [io.core, io.dockerode, ...io.modules] },
  },
  {
    name: 'checks-share-only-helpers',
    comment:
      'A check module imports no other check module, only the shared helpers (the list of __tests__/unit/check-modules.test.ts).',
    severity: 'error',
    from: { path: '^src/checks/', pathNot: 'index\\.ts$' },
    to: { path: '^src/checks/', pathNot: sharedCheckHelpers },
  },
  {
    name: 'a-category-folder-gathers-its-own',
    comment: "A category's folder (dockerfile/, compose/) gathers its own files in its index.ts, and only those.",
    severity: 'error',
    from: { path: '^src/checks/([^/]+)/index\\.ts$' },
    to: { path: '^src/checks/', pathNot: [sharedCheckHelpers, '^src/checks/$1/'] },
  },
  only(
    'report-reads-evidence-and-checks',
    layers.report,
    [layers.evidence, '^src/checks/(registry|index)\\.ts$', layers.model, layers.util],
    "report/ turns judged evidence into the Report: evidence, the checks' metadata, the model.",
  ),
  {
    name: 'renderers-are-pure',
    comment: 'A renderer is a function of the Report: no I/O (write-reports.ts writes the files).',
    severity: 'error',
    from: { path: layers.renderers },
    to: { path: [io.core, io.dockerode, ...io.modules] },
  },
  {
    name: 'renderers-render-the-report',
    comment: 'A renderer reads the Report, not the evidence or the checks (it may name their types).',
    severity: 'error',
    from: { path: layers.renderers },
    to: { path: [layers.evidence, layers.checks], dependencyTypesNot: ['type-only'] },
  },
  only(
    'run-below-the-surfaces',
    layers.run,
    [
      layers.inputs,
      layers.docker,
      layers.evidence,
      layers.checks,
      layers.report,
      layers.model,
      layers.util,
      '^src/(run/|request\\.ts$|progress\\.ts$|merge-reports\\.ts$)',
    ],
    'The run plans, collects, judges and reports; it never imports a surface or the docs generator.',
  ),
  only(
    'docs-from-the-tables',
    layers.docs,
    [layers.inputs, layers.checks, layers.model, layers.util],
    "The docs generator reads the inputs' and outputs' tables and the checks.",
  ),
  {
    name: 'dockerode-only-in-docker',
    comment: 'Docker is reached only through src/docker/ (the engine and its handles, the docker CLI).',
    severity: 'error',
    from: { pathNot: layers.docker },
    to: { path: io.dockerode },
  },
  {
    name: 'processes-only-through-util-process',
    comment:
      'Child processes start in util/process.ts (the docker CLI through docker/cli.ts, which ESLint enforces); git-status.ts runs git.',
    severity: 'error',
    from: { pathNot: ['^src/util/process\\.ts$', '^src/evidence/git-status\\.ts$'] },
    to: { path: '^(node:)?child_process$' },
  },
];

module.exports = {
  forbidden,
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
// Shared with .dependency-cruiser-runtime.cjs; not part of dependency-cruiser's configuration.
Object.defineProperty(module.exports, 'layers', { value: layers, enumerable: false });
Object.defineProperty(module.exports, 'io', { value: io, enumerable: false });
