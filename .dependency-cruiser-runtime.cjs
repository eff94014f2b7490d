// The run-time graph of src/ (type-only imports erased, as the compiler erases them): what the
// checks and the renderers load when they run, through any chain of imports. The layers and the
// modules that do I/O are those of .dependency-cruiser.cjs.

const main = require('./.dependency-cruiser.cjs');

const { layers, io } = main;
const doesIo = [io.core, io.dockerode, ...io.modules];

module.exports = {
  forbidden: [
    {
      name: 'checks-reach-no-io',
      comment:
        'The checks and judge.ts load no module that does I/O, however indirectly (an evidence helper they use must be pure).',
      severity: 'error',
      from: { path: layers.checks },
      to: { path: doesIo, reachable: true },
    },
    {
      name: 'renderers-reach-no-io',
      comment: 'A renderer loads no module that does I/O, however indirectly.',
      severity: 'error',
      from: { path: layers.renderers },
      to: { path: doesIo, reachable: true },
    },
  ],
  options: { ...main.options, tsPreCompilationDeps: false },
};
