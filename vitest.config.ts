import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'console/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests share real servers (PostgreSQL, the MQTT port range): files run in parallel, each on its own ports and database.
    pool: 'forks',
  },
});
