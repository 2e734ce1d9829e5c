import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { parseLogLevel, parseTypes } from '../../src/cli/parse-options.js';
import { UserError } from '../../src/errors.js';
import { capture } from '../support/streams.js';

async function cli(...argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(argv, { stdout: stdout.stream as never, stderr: stderr.stream as never, env: {} });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('command line', () => {
  it('prints the version for `version` and `--version`', async () => {
    for (const args of [['version'], ['--version']]) {
      const r = await cli(...args);
      expect(r).toEqual({ code: 0, stdout: 'deb-bootc-image-builder 0.0.0-dev\n', stderr: '' });
    }
  });

  it('shows usage on stderr with exit 2 when called without arguments', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('build');
    expect(r.stderr).toContain('manifest');
  });

  it('prints help for a command on stdout', async () => {
    const r = await cli('build', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--type');
    expect(r.stdout).toContain('--rootfs');
  });

  it.each([
    [['build', '--frobnicate', 'img'], 'error: unsupported option name ("--frobnicate") (see deb-bootc-image-builder --help)\n'],
    [['manifest'], 'error: not enough positional arguments (see deb-bootc-image-builder --help)\n'],
    [['build', 'a', 'b'], 'error: extraneous positional argument ("b") (see deb-bootc-image-builder --help)\n'],
    [['--type', 'iso', 'img'], 'error: --type iso is not supported; choose from qcow2, raw, vmdk, vdi, vhd, ami, gce, ova\n'],
    [['manifest', '--log-level', 'loud', 'img'], 'error: --log-level loud is not a log level; choose from error, warn, info, debug\n'],
    [['build', '--target-arch', 'arm64', 'img'], 'error: --target-arch arm64 is not supported; this builder makes x86_64 (amd64) disks\n'],
  ])('refuses %j with one error line and exit 2', async (argv, message) => {
    const r = await cli(...argv);
    expect(r).toEqual({ code: 2, stdout: '', stderr: message });
  });
});

describe('option parsing', () => {
  it('accepts repeated and comma-separated --type, without duplicates', () => {
    expect(parseTypes(undefined)).toEqual(['qcow2']);
    expect(parseTypes(['qcow2,raw', 'raw'])).toEqual(['qcow2', 'raw']);
    expect(() => parseTypes([','])).toThrow(UserError);
  });

  it('maps -v to info and defaults to warn', () => {
    expect(parseLogLevel(undefined, false)).toBe('warn');
    expect(parseLogLevel(undefined, true)).toBe('info');
    expect(parseLogLevel('debug', true)).toBe('debug');
  });
});
