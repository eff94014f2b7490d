// Two projects: `unit` needs nothing but Node; `integration` talks to a real Docker engine and
// builds its own images (global setup checks that an engine answers, and fails under CI=true
// when none does). A third, `emulated`, with CS_PLATFORMS set: see below.
const transform = { '^.+\\.ts$': ['ts-jest', { useESM: true }] };
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup/remove-scratch.ts'],
};
export default {
  // Integration tests build and run images; jest 30 honours the timeout only at the top level.
  testTimeout: 300000,
  // One test file at a time: integration tests assert that no container of any run is left on
  // the engine, which a concurrent file would falsify.
  maxWorkers: 1,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/__tests__/integration/global-setup.ts',
      slowTestThreshold: 60,
    },
    // Where linux/arm64 emulation is prepared (CS_PLATFORMS=linux/arm64 scripts/setup-engine.sh):
    // builds and runs of arm64 images under QEMU. They fail, saying how to prepare the machine,
    // when the builder cannot build arm64.
    ...(process.env.CS_PLATFORMS
      ? [
          {
            ...common,
            displayName: 'emulated',
            testMatch: ['<rootDir>/__tests__/emulated/**/*.test.ts'],
            globalSetup: '<rootDir>/__tests__/integration/global-setup.ts',
            slowTestThreshold: 120,
          },
        ]
      : []),
  ],
};
