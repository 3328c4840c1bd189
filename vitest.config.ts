import { defineConfig } from 'vitest/config'

// Unit and integration tests live beside the code they test (src/**/*.test.ts).
// Browser end-to-end tests live in e2e/ and run through the same runner.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts', 'tools/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default']
  }
})
