import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The web UI's JSX, as ui/tsconfig.json compiles it.
  esbuild: { jsx: 'automatic' },
  test: {
    // ui/ component tests run in jsdom (each file says so with `// @vitest-environment jsdom`).
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'ui/src/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The fuzz test collects garbage before it measures memory, so that it sees leaks, not garbage.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    // Two cores: end-to-end files start sshd fleets and servers, so run at most two at once.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
