import { describe, expect, it } from 'vitest';
import { parseCheck, stripTerminalCodes } from '../support/boot.js';

describe('boot check parsing', () => {
  it('reads fields and probes even when a login prompt shares their line', () => {
    const log = [
      'noise',
      'DBIB-CHECK-BEGIN',
      'dbib-custom login: state=running',
      'failed=',
      'cmdline=root=UUID=x rw',
      'probe.LANG=de_DE.UTF-8',
      'dbib-custom login: probe.bob=uid=2001(bob)  gid=2001(bob)',
      'ostree-status-begin',
      '* default abc.0',
      'ostree-status-end',
      'DBIB-CHECK-END',
    ].join('\n');
    expect(parseCheck(log)).toMatchObject({
      reachedMultiUser: true,
      state: 'running',
      failedUnits: [],
      cmdline: 'root=UUID=x rw',
      ostreeStatus: '* default abc.0',
      probes: { LANG: 'de_DE.UTF-8', bob: 'uid=2001(bob) gid=2001(bob)' },
    });
  });

  it("keeps getty's banner and login prompt out of the ostree status", () => {
    const log = ['DBIB-CHECK-BEGIN', 'ostree-status-begin', '', 'Debian GNU/Linux 13 vm ttyS0', '', 'vm login: * default abc.0', '    origin: x', 'ostree-status-end'].join('\n');
    expect(parseCheck(log).ostreeStatus).toBe('* default abc.0\n    origin: x');
  });

  it('reads lines that terminal escape codes ran into', () => {
    // bytes as agetty left them on a real console
    const noise = '\x1b[!p\x1b]104\x07\x1b[?7h\x1b[6n\x1b[32766;32766H\x1b[6n';
    const log = stripTerminalCodes(`DBIB-CHECK-BEGIN\n${noise}${noise}state=running\r\nDBIB-CHECK-END\n`);
    expect(parseCheck(log).state).toBe('running');
  });

  it('reads lines after the OSC and DCS strings of newer agetty (Debian sid)', () => {
    const osc = '\x1b]3008;start=3dc4;user=root;hostname=vm;comm=(agetty);type=service\x1b\\';
    const dcs = '\x1bP+q6E616D65\x1b\\';
    const log = stripTerminalCodes(`DBIB-CHECK-BEGIN\n\x1b[!p\x1b]104\x1b\\\x1b[0m${osc}${dcs}state=running\r\nDBIB-CHECK-END\n`);
    expect(log).toBe('DBIB-CHECK-BEGIN\nstate=running\nDBIB-CHECK-END\n');
    expect(parseCheck(log).state).toBe('running');
  });

  it('reports a system that never reached the check', () => {
    expect(parseCheck('kernel panic')).toMatchObject({ reachedMultiUser: false, state: undefined });
  });
});
