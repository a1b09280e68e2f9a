import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

// Imports flow one way: ui → workers/runtime → core. Core is pure: no DOM, Node, React or runtime.
const coreForbidden = [
  { group: ['**/ui/**', '**/workers/**', '**/runtime/**', '**/cli/**'], message: 'src/core must not import app layers.' },
  { group: ['react', 'react-*', 'd3', 'd3-*', 'zustand', 'zustand/*', 'comlink', 'onnxruntime-*', '@dagrejs/*'], message: 'src/core is pure TypeScript.' },
  { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'url'], message: 'src/core must run in a browser: no Node APIs.' },
];

const uiForbidden = { group: ['**/ui/**', 'react', 'react-*', 'zustand', 'zustand/*'], message: 'runtime/workers/cli must not import the UI.' };
const workersForbidden = (who) => ({ group: ['**/workers/**'], message: `${who} must not import src/workers: the worker layer sits above it.` });

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
    files: ['src/workers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [uiForbidden] }] },
  },
  {
    files: ['src/runtime/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [uiForbidden, workersForbidden('src/runtime')] }] },
  },
  {
    // The CLI runs the engine in Node directly: no browser UI, no Web Workers.
    files: ['src/cli/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [uiForbidden, workersForbidden('src/cli')] }] },
  },
  {
    // Import cycles make load order matter and tangle the layers. Type-only imports are erased at
    // build time, so they are ignored (`import type` and all-`type` specifier lists).
    files: ['**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
);
