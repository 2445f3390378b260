const base = require('../../jest.preset.cjs')(__dirname);
// dist/ holds the built package (its own package.json): never modules or tests.
module.exports = { ...base, modulePathIgnorePatterns: [...base.modulePathIgnorePatterns, '<rootDir>/dist/'] };
