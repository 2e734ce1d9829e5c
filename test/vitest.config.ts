// Three suites: unit (pure code, parallel), integration (real tools on temp files, as root)
// and e2e (the builder container, QEMU boots; one file at a time, long timeouts); and
// e2e-full, boots repeated for `just test-full` only.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    // clipanion's ESM build imports a directory, which only a bundler resolves
    server: { deps: { inline: ['clipanion'] } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 120_000, fileParallelism: false },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
          globalSetup: ['test/e2e/global-setup.ts'],
        },
      },
      // `just test-full` only: boots that repeat what e2e already boots once
      {
        extends: true,
        test: {
          name: 'e2e-full',
          include: ['test/e2e-full/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
          globalSetup: ['test/e2e/global-setup.ts'],
        },
      },
    ],
  },
});
