import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import {
  embeddedVersion,
  mergeInstallConfigs,
  parseDpkgStatus,
  parseKargsFile,
  parseKeyFile,
  parseOsRelease,
} from '../../src/image/parse.js';

describe('image configuration parsers', () => {
  it('reads os-release with quoted and unquoted values', () => {
    expect(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\n# comment\nVERSION_ID=\'13\'\n')).toEqual({
      PRETTY_NAME: 'Debian GNU/Linux 13 (trixie)',
      ID: 'debian',
      VERSION_ID: '13',
    });
  });

  it('reads versions of installed packages only', () => {
    const status = [
      'Package: ostree\nStatus: install ok installed\nVersion: 2025.2-1',
      'Package: grub-common\nStatus: deinstall ok config-files\nVersion: 2.12-9',
      'Package: bash\nStatus: install ok installed\nVersion: 5.2',
    ].join('\n\n');
    expect(parseDpkgStatus(status, (n) => n !== 'bash')).toEqual({ ostree: '2025.2-1' });
  });

  it('applies kargs.d files only on matching architectures (bootc spelling)', () => {
    const text = 'kargs = ["console=ttyS0"]\nmatch-architectures = ["x86_64"]\n';
    expect(parseKargsFile('10.toml', text, 'amd64')).toEqual(['console=ttyS0']);
    expect(parseKargsFile('10.toml', text, 'arm64')).toEqual([]);
    expect(parseKargsFile('20.toml', 'kargs = ["quiet"]', 'arm64')).toEqual(['quiet']);
  });

  it('reports broken kargs.d files as image problems', () => {
    expect(() => parseKargsFile('/usr/lib/bootc/kargs.d/x.toml', 'kargs = [', 'amd64')).toThrow(UserError);
    expect(() => parseKargsFile('/usr/lib/bootc/kargs.d/x.toml', 'kargs = "quiet"', 'amd64')).toThrow(/"kargs" must be a list of strings/);
  });

  it('merges install configs in order: last root type wins, kargs accumulate', () => {
    const merged = mergeInstallConfigs(
      [
        { file: '00.toml', text: '[install.filesystem.root]\ntype = "xfs"\n[install]\nkargs = ["a"]' },
        { file: '10.toml', text: '[install.filesystem.root]\ntype = "ext4"\n' },
        { file: '20.toml', text: '[install]\nkargs = ["b"]\nmatch-architectures = ["aarch64"]' },
      ],
      'amd64',
    );
    expect(merged).toEqual({ rootfsType: 'ext4', rootfsTypeFrom: '10.toml', kargs: ['a'] });
  });

  it('lets [install.filesystem.root] type win over root-fs-type whatever the file order, as bootc canonicalizes', () => {
    const merged = mergeInstallConfigs(
      [
        { file: '00.toml', text: '[install.filesystem.root]\ntype = "xfs"\n' },
        { file: '10.toml', text: '[install]\nroot-fs-type = "ext4"\nstateroot = "debian"\nroot-mount-spec = "LABEL=root"\nboot-mount-spec = ""\n' },
      ],
      'amd64',
    );
    expect(merged).toEqual({ rootfsType: 'xfs', rootfsTypeFrom: '00.toml', kargs: [], stateroot: 'debian', rootMountSpec: 'LABEL=root', bootMountSpec: '' });
    expect(mergeInstallConfigs([{ file: 'a.toml', text: '[install]\nroot-fs-type = "btrfs"\n' }], 'amd64')).toMatchObject({ rootfsType: 'btrfs' });
  });

  it('refuses what bootc refuses: unknown keys (deny_unknown_fields) and tables', () => {
    expect(() => mergeInstallConfigs([{ file: '/usr/lib/bootc/install/x.toml', text: '[install]\nroot_fs_type = "xfs"\n' }], 'amd64')).toThrow(
      new UserError('image-unsupported', "the image's /usr/lib/bootc/install/x.toml: unknown key install.root_fs_type (bootc refuses the file): remove or rename it"),
    );
    expect(() => mergeInstallConfigs([{ file: 'y.toml', text: '[bootc]\nx = 1\n' }], 'amd64')).toThrow(/unknown table "bootc" \(bootc accepts only \[install\]\)/);
    expect(() => mergeInstallConfigs([{ file: 'z.toml', text: '[install]\nstateroot = 3\n' }], 'amd64')).toThrow(/install.stateroot must be a string/);
  });

  it('finds the version string the ostree binary carries', () => {
    const binary = Buffer.concat([Buffer.from('\0libostree 1\0'), Buffer.from('LIBOSTREE_2025.1\0'), Buffer.from('\x002025.2\x00--version\0')]);
    expect(embeddedVersion(binary)).toBe('2025.2');
    expect(embeddedVersion(Buffer.from('no version here'))).toBeUndefined();
  });

  it('reads prepare-root.conf groups', () => {
    expect(parseKeyFile('[composefs]\nenabled = no\n# x\n[sysroot]\nreadonly=true\n')).toEqual({
      composefs: { enabled: 'no' },
      sysroot: { readonly: 'true' },
    });
  });
});
