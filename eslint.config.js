// Lint: typescript-eslint's recommended rules, plus the layering rule of STYLE.md §1:
// the domain never imports transports, and only src/smpp imports the `smpp` package.
import tseslint from 'typescript-eslint';

const transports = ['smpp', 'node:net', 'node:tls', 'net', 'tls'];
const domainForbidden = ['**/smpp/**', '**/upstream/**', '**/carriers/**', '**/api/**', '**/cli/**'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.scratch/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-restricted-imports': ['error', { paths: [{ name: 'smpp', message: 'Only src/smpp may import the smpp package.' }] }],
    },
  },
  {
    // The wrapper, and the interop test that uses the package's own client as a foreign ESME.
    files: ['src/smpp/**', 'test/integration/*interop*'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/routing/**', 'src/messages/**', 'src/numbers/**', 'src/accounts/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: transports, patterns: domainForbidden }],
    },
  },
  {
    // The CLI prints results through cli/output.ts; scripts and tests may print.
    files: ['src/cli/output.ts', 'scripts/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
