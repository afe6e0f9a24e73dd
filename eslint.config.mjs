// ESLint for the whole workspace (`pnpm lint`): typescript-eslint's type-aware recommended rules on every
// TypeScript file (each file is checked with the types of its own package's tsconfig), plus the promise
// rules that matter in async Node services. JavaScript files get the untyped recommended rules.
// Formatting is Prettier's (`pnpm format`), so no stylistic rule is on here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '.tools/**', '.stack/**', '.bench/**', 'benchmarks/**'],
  },
  js.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.{ts,mts,cts}'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's describe/it/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // An async function without await still turns a throw into a rejection and implements a Promise-returning
      // interface (a switch's set, a test's restore hook) in the shape its callers expect.
      '@typescript-eslint/require-await': 'off',
      // Parameters a signature requires but the body ignores (Express tells an error handler by its four) start with _.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    // The shop's and the lab console's pages run in the browser.
    files: ['services/storefront/web/**', 'load/console/web/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
