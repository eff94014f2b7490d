// ESLint (typescript-eslint) over the TypeScript sources, tests, scripts and benchmarks; Prettier
// owns the layout (npm run format), so no stylistic rule is enabled here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'coverage/**', '.tmp/**', 'node_modules/**', '__tests__/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
  // Plain JavaScript (configs, small scripts) is outside tsconfig: linted without type information.
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  // The dependency-cruiser configurations are CommonJS.
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        structuredClone: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
      // Prettier breaks code at 120 columns; what it cannot break is one long string, template or
      // pattern (a message, a test name), and only that may run past.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  // Docker is reached only through src/docker/ (docs/architecture.md): dependency-cruiser keeps
  // dockerode there; this keeps the docker CLI there (docker/cli.ts's runDocker).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/docker/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.name=/^(runProcess|spawn|spawnSync|execFile|execFileSync|exec)$/][arguments.0.value='docker']",
          message: 'Spawn the docker CLI only in src/docker/ (runDocker in docker/cli.ts).',
        },
      ],
    },
  },
);
