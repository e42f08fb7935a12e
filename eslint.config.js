import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const engineEntryPointsOnly = {
  regex: '(^|/)(engine-common|topology|state-stores|runtime)/(?!index\\.ts$).+',
  message: "The domain imports the engine only through its folders' index.ts files.",
};
const testingForTestsOnly = {
  regex: '(^|/)testing/',
  message: 'testing/ (TopologyTestDriver) is for tests only.',
};

// The engine never depends on the domain.
const DOMAIN = {
  group: ['**/processors/**', '**/app/**', '**/connectors/**', '**/schemas/**'],
  message: 'The engine never imports the domain.',
};

// The engine's folders form a DAG, from the ground floor up (Kafka Streams' own direction: the state
// stores know nothing of the DSL, the DSL builds on the stores, the runtime runs what the DSL built):
//   engine-common/ <- state-stores/ <- topology/ <- runtime/ <- testing/
// and inside runtime/: ports/ <- kafka/ <- internals/ (kafka/ implements the ports, internals/ uses
// both). Each folder names the folders it must not import; `node scripts/engine-layers.ts` (in
// `npm run lint`) finds any cycle left between folders or files.
const above = (name, folders) => ({
  regex: `(^|/)(${folders.join('|')})/`,
  message: `${name} does not import ${folders.map((f) => `${f}/`).join(', ')}: the engine folders form a DAG (see eslint.config.js).`,
});
const engineLayer = (files, name, forbidden) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [DOMAIN, ...forbidden(name)] }] },
});

export default tseslint.config(
  { ignores: ['node_modules/**', '.stack/**', 'coverage/**', 'bench/clients/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  // A later block replaces the options of an earlier one for the files both match, so each block
  // carries all of its folder's restrictions.
  engineLayer(['testing/**'], 'testing/', () => []),
  engineLayer(['runtime/**'], 'runtime/', (n) => [above(n, ['testing'])]),
  engineLayer(['runtime/kafka/**'], 'runtime/kafka/', (n) => [
    above(n, ['testing']),
    {
      regex: '^\\.\\./internals/',
      message: `${n} implements runtime/ports/ and does not import runtime/internals/.`,
    },
  ]),
  engineLayer(['runtime/ports/**'], 'runtime/ports/', (n) => [
    above(n, ['testing']),
    {
      regex: '^\\.\\./(internals|kafka)/',
      message: `${n} is the ground of runtime/: it imports neither kafka/ nor internals/.`,
    },
  ]),
  engineLayer(['topology/**'], 'topology/', (n) => [above(n, ['runtime', 'testing'])]),
  engineLayer(['state-stores/**'], 'state-stores/', (n) => [above(n, ['topology', 'runtime', 'testing'])]),
  engineLayer(['engine-common/**'], 'engine-common/', (n) => [
    above(n, ['state-stores', 'topology', 'runtime', 'testing']),
  ]),
  // The domain uses the engine through its public entry points only (each engine folder's
  // index.ts), so the engine's insides can move without touching the saga; testing/ is for tests.
  {
    files: ['processors/**', 'app/**', 'connectors/**', 'schemas/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [engineEntryPointsOnly, testingForTestsOnly] }],
    },
  },
  // The connectors' test doubles live in connectors/fakes/ (entry: connectors/testing.ts); the
  // production connectors never import them.
  {
    files: ['connectors/**'],
    ignores: ['connectors/fakes/**', 'connectors/testing.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            engineEntryPointsOnly,
            testingForTestsOnly,
            {
              regex: '(^|/)fakes/|(^|/)testing\\.ts$',
              message:
                'Production connectors do not import the fakes (connectors/fakes/, connectors/testing.ts).',
            },
          ],
        },
      ],
    },
  },
);
