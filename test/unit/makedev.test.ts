import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makedev } from '../../src/disk/loop.js';

describe('makedev', () => {
  it('encodes device numbers as stat reports them', () => {
    expect(makedev(1, 3)).toBe(statSync('/dev/null').rdev);
    expect(makedev(1, 5)).toBe(statSync('/dev/zero').rdev);
  });

  it('handles minors above 255 and majors above 4095 like glibc', () => {
    expect(makedev(259, 300)).toBe(259 * 256 + (300 & 0xff) + (300 >> 8) * 0x100000);
    expect(makedev(0x1000, 0)).toBe(2 ** 44);
  });
});
