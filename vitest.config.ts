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
    // A UI state awaited with expect.poll gets 10 s by default rather than 1 s: on a 2-core machine
    // running several test files at once, a browser re-render can take longer than a second. A state
    // that never comes still fails the test.
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default']
  }
})
