import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const engineEntryPointsOnly = {
  regex: '(^|/)(topology|state-stores|runtime|testing)/(?!index\\.ts$).+',
  message: "The domain imports the engine only through its folders' index.ts files.",
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.stack/**', 'coverage/**', 'bench/clients/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The engine must never depend on the domain.
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['topology/**', 'state-stores/**', 'runtime/**', 'testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/processors/**', '**/app/**', '**/connectors/**', '**/schemas/**'] },
      ],
    },
  },
  // The domain uses the engine through its public entry points only (each engine folder's
  // index.ts), so the engine's insides can move without touching the saga.
  {
    files: ['processors/**', 'app/**', 'connectors/**', 'schemas/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [engineEntryPointsOnly] }],
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
