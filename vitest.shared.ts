import { defineConfig } from 'vitest/config';

/** Shared vitest settings: test workspace packages from their TypeScript source, not dist. */
export function packageTestConfig(extra: { testTimeout?: number } = {}) {
  return defineConfig({
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      passWithNoTests: true,
      testTimeout: extra.testTimeout ?? 20_000,
      hookTimeout: 30_000,
    },
  });
}
