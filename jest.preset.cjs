// Shared jest settings: every project's jest.config.cjs is `require(this)(__dirname)`.
// @swc/jest strips types only; `nx typecheck` is where types are checked.
module.exports = (projectDir) => ({
  rootDir: projectDir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30_000,
  maxWorkers: 1,
});
