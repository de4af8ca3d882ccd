import { defineConfig } from 'vitest/config';

// The verifier's tests need no database: run them without the root config's PostgreSQL global setup.
//   npx vitest run --config verifier/vitest.config.ts
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['verifier/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 10_000,
  },
});
