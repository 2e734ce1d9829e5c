// Concurrent builds of one image: xfs is the root filesystem that used to make the second
// fail ("Filesystem has duplicate UUID"); test-full builds and boots a pair for each root
// filesystem (test/e2e-full/concurrent.test.ts).
import { describe, it } from 'vitest';
import { concurrentPair } from '../support/concurrent.js';

describe('two builds of the same image at once', () => {
  it('both succeed with an xfs root (same filesystem UUIDs, as the same image gives)', () => concurrentPair('xfs', { boot: false }));
});
