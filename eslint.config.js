import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// Imports flow one way: ui → workers/runtime → core. Core is pure: no DOM, Node, React or runtime.
const coreForbidden = [
  { group: ['**/ui/**', '**/workers/**', '**/runtime/**', '**/cli/**'], message: 'src/core must not import app layers.' },
  { group: ['react', 'react-*', 'd3', 'd3-*', 'zustand', 'zustand/*', 'comlink', 'onnxruntime-*', '@dagrejs/*'], message: 'src/core is pure TypeScript.' },
  { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'url'], message: 'src/core must run in a browser: no Node APIs.' },
];

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'src/core/onnx/generated', 'test-results', 'playwright-report', 'bench/out', 'public'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts', 'src/core/**/test-utils/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: coreForbidden }] },
  },
  {
    files: ['src/runtime/**/*.ts', 'src/workers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['**/ui/**', 'react', 'react-*', 'zustand', 'zustand/*'], message: 'runtime/workers must not import the UI.' }] }],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
);
