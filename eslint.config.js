import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
      'no-restricted-imports': ['error', { patterns: ['**/processors/**', '**/app/**', '**/connectors/**'] }],
    },
  },
);
