import { describe, expect, it } from 'vitest';
import { planKargs, usesSerialConsole } from '../../src/plan/kargs.js';

describe('planKargs', () => {
  it('puts root first, then BIB defaults, then the image kargs', () => {
    expect(planKargs({ rootUuid: 'R', imageKargs: ['quiet', 'console=ttyS0,115200'] })).toEqual([
      'root=UUID=R', 'rw', 'console=tty0', 'console=ttyS0', 'quiet', 'console=ttyS0,115200',
    ]);
  });

  it('leaves out the defaults with noDefaults (--no-default-kernel-args)', () => {
    expect(planKargs({ rootUuid: 'R', imageKargs: ['rw'], noDefaults: true })).toEqual(['root=UUID=R', 'rw']);
  });

  it('detects a serial console in any spelling of console=ttyS0', () => {
    expect(usesSerialConsole(['console=ttyS0'])).toBe(true);
    expect(usesSerialConsole(['console=ttyS0,115200n8'])).toBe(true);
    expect(usesSerialConsole(['console=tty0', 'console=ttyS1'])).toBe(false);
  });
});
