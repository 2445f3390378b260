import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Module boundaries (docs/ARCHITECTURE.md): dependencies point one way.
//   type:app      -> any lib
//   type:tool     -> any lib, and the simulator (switchctl, bench, dev runner)
//   type:sim      -> protocol, core       (the simulated fleet: a test fixture)
//   type:domain   -> domain, protocol, infra, core
//   type:infra    -> infra, core          (bus, db, observability, service)
//   type:protocol -> protocol, core       (gNMI, NETCONF: never the bus or the database)
//   type:core     -> core                 (errors, config, logging)
// No lib may import an app or a tool: no lib tag lists them.
// Tests (and only tests) of apps and domain libs may also use the simulated fleet.
export const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:protocol', 'type:infra', 'type:core'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:domain', 'type:protocol', 'type:infra', 'type:core', 'type:sim'] },
  { sourceTag: 'type:sim', onlyDependOnLibsWithTags: ['type:protocol', 'type:core'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:protocol', 'type:infra', 'type:core'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:core'] },
  { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: ['type:protocol', 'type:core'] },
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:core'] },
];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.nx/**', '.data/**', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Prettier wraps code at 140; what it cannot wrap (comments) is held to the same width. Literals stay whole.
      'max-len': ['error', { code: 140, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: depConstraints.map((c) =>
            c.sourceTag === 'type:app' || c.sourceTag === 'type:domain'
              ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:sim'] }
              : c,
          ),
        },
      ],
    },
  },
];
