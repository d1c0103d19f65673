// ESLint flat config: the TypeScript rules everywhere, React's hook rules in the editor, and the line limit.
// Layout is Prettier's job (.prettierrc.json); ESLint's recommended sets carry no layout rules to fight it.
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default defineConfig(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '**/dist-test/',
      '**/.data/',
      '**/.bench/',
      '**/test-results/',
      'engine/scratch/',
      'coverage/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // "No line of source over 140 characters", plainly: URLs, strings and comments count too (Prettier's printWidth is
      // the same 140, so only what Prettier cannot break is left to break by hand). Core max-len is deprecated but kept
      // until ESLint 11; @stylistic/max-len is its successor.
      'max-len': ['error', { code: 140, tabWidth: 2, ignoreUrls: false, ignoreStrings: false, ignoreTemplateLiterals: false }],
      // An argument or binding named _x is unused on purpose (a callback's fixed signature, a destructured omission).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // A `let` that handlers registered earlier read before its one assignment cannot be a const (TDZ).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests, benchmarks and scripts read a running API's JSON answers (and the page's window) as any, then check
    // their shape with expect(); the application code keeps the rule.
    files: ['engine/test/**', 'engine/bench/**', 'engine/scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['editor/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: { ...globals.browser } },
  },
);
