/**
 * `npm run lint`: the layering of the code base as a failing check (rule in lint/layering.js, test in
 * test/unit/lint/layering.test.ts). Read the zones as the picture of the code: the engine knows nothing of its front
 * ends, the API contract is the one file the renderer may share with main, and so on.
 */
import tsParser from '@typescript-eslint/parser';
import svelteParser from 'svelte-eslint-parser';
import layering from './lint/layering.js';

const FRONT_DOORS = ['main/api/', 'main/electron/', 'main/server.ts', 'main/start.ts', 'main/cli.ts', 'main/cli/'];

export const LAYERS = [
  {
    from: 'main/engine/',
    forbid: FRONT_DOORS,
    why: 'the engine serves the front ends and never depends on them; its vocabulary lives in main/engine/types.ts, which main/api/contract.ts re-exports',
  },
  {
    from: 'main/store/',
    forbid: ['main/engine/tasks/', ...FRONT_DOORS],
    why: 'the store keeps records; the tasks use it through ports (engine/tasks/ports.ts), not the other way',
  },
  {
    from: 'main/engine/lcm/',
    forbid: ['main/engine/sonar/', 'onnxruntime-node'],
    why: 'the LCM works on concept vectors only: no SONAR, and no model runtime of its own (engine/runtime/ owns onnxruntime)',
  },
  {
    from: 'renderer/',
    forbid: ['main/'],
    allow: ['main/api/contract.ts'],
    why: 'the renderer talks to main through the typed API only (main/api/contract.ts)',
  },
  {
    from: 'main/api/contract.ts',
    forbid: ['*'],
    allow: ['main/engine/types.ts', 'main/engine/errors.ts'],
    why: 'the contract is shared with the renderer, so it depends on nothing but the engine vocabulary it re-exports (types.ts) and the error base (errors.ts)',
  },
  {
    from: 'main/engine/types.ts',
    forbid: ['*'],
    why: 'the engine vocabulary is plain types shared with every front end, so it imports nothing',
  },
  {
    from: 'main/engine/errors.ts',
    forbid: ['*'],
    why: 'the error base is shared with every front end (the contract’s ApiError extends it), so it imports nothing',
  },
  {
    from: 'main/electron/',
    forbid: ['main/server.ts', 'main/start.ts', 'main/cli.ts', 'main/cli/'],
    why: 'the Electron shell is a front door of its own; shared CSP and static serving live in main/static.ts',
  },
  {
    from: 'main/server.ts',
    forbid: ['main/start.ts', 'main/cli.ts', 'main/electron/'],
    why: 'start.ts launches the server, not the other way (no import cycle between the entry points)',
  },
];

/** Core rules that find real mistakes and that the code base passes today (no style rules: Prettier's job). */
const CORRECTNESS = Object.fromEntries(
  [
    'for-direction',
    'getter-return',
    'no-async-promise-executor',
    'no-case-declarations',
    'no-class-assign',
    'no-compare-neg-zero',
    'no-cond-assign',
    'no-const-assign',
    'no-constant-binary-expression',
    'no-constant-condition',
    'no-debugger',
    'no-delete-var',
    'no-dupe-class-members',
    'no-dupe-else-if',
    'no-dupe-keys',
    'no-duplicate-case',
    'no-empty',
    'no-empty-character-class',
    'no-empty-pattern',
    'no-ex-assign',
    'no-extra-boolean-cast',
    'no-fallthrough',
    'no-func-assign',
    'no-import-assign',
    'no-inner-declarations',
    'no-invalid-regexp',
    'no-irregular-whitespace',
    'no-loss-of-precision',
    'no-misleading-character-class',
    'no-new-native-nonconstructor',
    'no-prototype-builtins',
    'no-regex-spaces',
    'no-self-assign',
    'no-self-compare',
    'no-setter-return',
    'no-shadow-restricted-names',
    'no-sparse-arrays',
    'no-unreachable',
    'no-unsafe-finally',
    'no-unsafe-negation',
    'no-unsafe-optional-chaining',
    'no-unused-labels',
    'no-useless-backreference',
    'no-useless-catch',
    'no-with',
    'use-isnan',
    'valid-typeof',
  ].map((r) => [r, 'error']),
);

export default [
  {
    ignores: [
      'node_modules/',
      'renderer/dist/',
      'out/',
      'release/',
      'dist/',
      'models/',
      '.work/',
      'test/fixtures/',
      'bench/results/',
    ],
  },
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: { parser: tsParser, sourceType: 'module', ecmaVersion: 'latest' },
  },
  {
    files: ['**/*.svelte'],
    languageOptions: {
      parser: svelteParser,
      parserOptions: { parser: tsParser },
      sourceType: 'module',
      ecmaVersion: 'latest',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { sourceType: 'module', ecmaVersion: 'latest' },
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.svelte', '**/*.js', '**/*.mjs'],
    plugins: { layering },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: { 'layering/imports': ['error', LAYERS], ...CORRECTNESS },
  },
  {
    // a step of the flow is found by its name: no function of the app's main process runs past one screen
    files: ['main/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true }] },
  },
];
