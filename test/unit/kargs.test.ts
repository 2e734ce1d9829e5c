import { describe, expect, it } from 'vitest';
import { commandLineKargs, planKargs, splitKargs, usesSerialConsole } from '../../src/plan/kargs.js';

const base = { rootUuid: 'R', bootUuid: 'B', imageKargs: [], extra: [] };

describe('planKargs (in the order bootc install builds them)', () => {
  it('puts root, rw and boot first, then the image kargs, then the defaults and the user kargs, each once', () => {
    expect(planKargs({ ...base, imageKargs: ['quiet', 'console=ttyS0,115200'], extra: ['mitigations=auto', 'quiet'] })).toEqual([
      'root=UUID=R', 'rw', 'boot=UUID=B', 'quiet', 'console=ttyS0,115200', 'console=tty0', 'console=ttyS0', 'mitigations=auto',
    ]);
  });

  it('adds rootflags for a btrfs subvolume right after root=', () => {
    expect(planKargs({ ...base, rootSubvolume: 'root', noDefaults: true })).toEqual(['root=UUID=R', 'rootflags=subvol=root', 'rw', 'boot=UUID=B']);
  });

  it("takes the image's root-mount-spec and boot-mount-spec; an empty one leaves the argument out", () => {
    expect(planKargs({ ...base, rootMountSpec: 'LABEL=root', bootMountSpec: '', rootSubvolume: 'root', noDefaults: true })).toEqual(['root=LABEL=root', 'rw']);
  });

  it('leaves out the defaults with noDefaults (--no-default-kernel-args); bootc gets only those and the user kargs', () => {
    expect(planKargs({ ...base, imageKargs: ['rw'], noDefaults: true })).toEqual(['root=UUID=R', 'rw', 'boot=UUID=B']);
    expect(commandLineKargs({ extra: ['a=1'] })).toEqual(['rw', 'console=tty0', 'console=ttyS0', 'a=1']);
    expect(commandLineKargs({ noDefaults: true, extra: ['a=1'] })).toEqual(['a=1']);
  });

  it('detects a serial console in any spelling of console=ttyS0', () => {
    expect(usesSerialConsole(['console=ttyS0'])).toBe(true);
    expect(usesSerialConsole(['console=ttyS0,115200n8'])).toBe(true);
    expect(usesSerialConsole(['console=tty0', 'console=ttyS1'])).toBe(false);
  });

  it('splits a command line at spaces outside double quotes, quotes kept, as the kernel does', () => {
    expect(splitKargs(' a=1  foo="bar baz" b="" c\nd ')).toEqual(['a=1', 'foo="bar baz"', 'b=""', 'c', 'd']);
    expect(splitKargs('"quoted whole" x=" y"z')).toEqual(['"quoted whole"', 'x=" y"z']);
    expect(splitKargs('')).toEqual([]);
    expect(splitKargs('foo="bar baz')).toBeUndefined();
  });
});
