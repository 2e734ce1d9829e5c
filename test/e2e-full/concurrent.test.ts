// Two concurrent builds of the same image for each root filesystem, both disks booted
// (npm test builds the xfs pair without booting it: test/e2e/concurrent.test.ts).
import { describe, it } from 'vitest';
import { concurrentPair } from '../support/concurrent.js';

describe('two builds of the same image at once, both booted', () => {
  it.each(['ext4', 'xfs', 'btrfs'] as const)('%s root', (rootfs) => concurrentPair(rootfs, { boot: true }));
});
