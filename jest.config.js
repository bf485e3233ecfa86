/**
 * Jest runs the compiled tree (npm test builds first): the same JavaScript that production runs,
 * native ESM (NestJS 12 is ESM-only), no transform. Unit specs sit beside the code
 * (dist/src/**\/*.spec.js); e2e specs boot the whole app (dist/test/**\/*.e2e-spec.js).
 */
const common = {
  testEnvironment: 'node',
  transform: {},
  rootDir: 'dist',
  // Every test file is an entry point: install the one error table as main.ts does through
  // app.module.ts (specs that run module code without the app still see every code).
  setupFiles: ['<rootDir>/src/app.errors.js'],
  testTimeout: 60_000,
};

export default {
  maxWorkers: 2,
  // Chooses the run's database server (and starts the embedded one if no other answers).
  globalSetup: '<rootDir>/dist/test/support/global-setup.js',
  globalTeardown: '<rootDir>/dist/test/support/global-teardown.js',
  // A fresh worker process per test file: QuickJS loads its WebAssembly through dynamic imports,
  // which Jest's VM-module runtime fails to link a second time in the same worker.
  workerIdleMemoryLimit: '1KB',
  testTimeout: 60_000,
  // After Jest's own: which database the tests use, and every skipped test by name (with its reason).
  reporters: ['default', '<rootDir>/dist/test/support/test-run.reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.js'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.js'], slowTestThreshold: 30 },
  ],
};
