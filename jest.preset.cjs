// Shared jest settings: every project's jest.config.cjs is `require(this)(__dirname)`.
// @swc/jest strips types only; `nx typecheck` is where types are checked.
const { join } = require('node:path');

// .data/ at the root holds the servers' files of `npm test` (tools/dev/src/services.ts): never tests, modules or watch triggers.
const DATA_DIR = `^${join(__dirname, '.data').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`;

module.exports = (projectDir) => ({
  rootDir: projectDir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', DATA_DIR],
  modulePathIgnorePatterns: [DATA_DIR],
  watchPathIgnorePatterns: [DATA_DIR],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30_000,
  maxWorkers: 1,
  // A suite whose cleanup failed can leave a socket open; the run must end with its failure, not wait for ever.
  forceExit: true,
});
