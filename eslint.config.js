import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const PROCESS_ENV = 'process.env is read only in src/config (app-config.ts validates it): take the value from the loaded AppConfig.';
const RUNS_WORKER =
  'Only src/app.module.ts asks runsWorker(): it mounts WorkerModule in the worker roles, which starts every @WorkerLoop() provider. Mark a background loop @WorkerLoop() instead of checking the role.';
const RAW_EMITTER =
  'In-process events are typed by the map in src/common/in-process-events.ts: emit through InProcessEmitter, listen with @OnInProcessEvent, and declare a new event in its module\'s *.events.ts.';

/** What src/ may not import: process.env, and (unless told otherwise) the untyped emitter and the role check. */
function restrictedImports({ emitter = true, runsWorker = true } = {}) {
  return [
    'error',
    {
      paths: [
        ...['node:process', 'process'].map((name) => ({ name, importNames: ['env'], message: PROCESS_ENV })),
        ...(emitter ? [{ name: '@nestjs/event-emitter', importNames: ['EventEmitter2', 'OnEvent'], message: RAW_EMITTER }] : []),
      ],
      patterns: runsWorker ? [{ regex: '/config/app-config\\.js$', importNames: ['runsWorker'], message: RUNS_WORKER }] : [],
    },
  ];
}

/** Sandbox globals a plugin script may use (see docs/plugins.md). */
const pluginGlobals = Object.fromEntries(['http', 'mail', 'crypto', 'log', 'now', 'console'].map((name) => [name, 'readonly']));

export default tseslint.config(
  { ignores: ['dist/**', 'dist-cli/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  // Type-aware rules for the TypeScript sources; plain JavaScript (configs, plugin scripts) has no types.
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: ['**/*.js', '**/*.cjs'] })),
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Every promise is awaited or handled: an un-awaited assertion is a test that cannot fail.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Function is the honest type for "a class constructor or method" in a few reflective places.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // process.env is read only in src/config: app-config.ts validates every variable once, at boot,
    // and the rest of src gets its values from the loaded AppConfig. test/ and bench/ may read
    // process.env: their knobs (TEST_DATABASE_URL, TEST_LOG_LEVEL, CHROMIUM_PATH, BENCH_DATABASE_URL)
    // are not settings of the app. No module checks the worker role: WorkerModule, mounted by
    // app.module.ts in that role, starts the loops. And in-process events go through their typed
    // map (src/common/in-process-events.ts), not the bare EventEmitter2.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: PROCESS_ENV }],
      'no-restricted-syntax': ['error', { selector: "MemberExpression[object.property.name='process'][property.name='env']", message: PROCESS_ENV }],
      'no-restricted-imports': restrictedImports(),
    },
  },
  {
    files: ['src/app.module.ts'],
    rules: { 'no-restricted-imports': restrictedImports({ runsWorker: false }) },
  },
  {
    // The map's own wrapper, and unit specs that build a service around a bare EventEmitter2.
    files: ['src/common/in-process-events.ts', 'src/**/*.spec.ts'],
    rules: { 'no-restricted-imports': restrictedImports({ emitter: false }) },
  },
  {
    // Tests read untyped wire answers (JSON bodies, gRPC responses) as `any` on purpose; the
    // type-aware promise rules (floating, misused) still apply to them.
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fakes implement async interfaces without awaiting anything.
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Plugin scripts: plain scripts evaluated in the sandbox; their top-level functions are the exports.
    files: ['plugins/**/*.js'],
    languageOptions: { sourceType: 'script', globals: pluginGlobals },
    rules: { 'no-unused-vars': ['error', { vars: 'local', args: 'none' }] },
  },
  {
    files: ['*.js', '*.cjs'],
    languageOptions: { globals: { module: 'readonly', require: 'readonly', process: 'readonly' } },
  },
);
