// Config files: BIB's examples load unchanged; every invalid config is refused with one
// line naming file, line, column and key.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFromText, formatOf } from '../../src/config/load.js';
import { parseSize } from '../../src/config/size.js';
import { describeError, quote, UserError } from '../../src/errors.js';
import { parseImageRef } from '../../src/image/transport.js';
import { updateSource } from '../../src/plan/update-source.js';
import { exampleFacts } from '../support/facts.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/configs/${name}`, import.meta.url), 'utf8');

describe('valid configs', () => {
  it("loads bootc-image-builder's README examples unchanged", () => {
    const { customizations, secrets } = configFromText('config.toml', fixture('bib-readme.toml'), 'toml');
    expect(customizations.users).toMatchObject([{ name: 'alice', password: 'plain', key: true, groups: ['wheel'] }]);
    expect(customizations.sizes).toEqual({ root: 10 * 2 ** 30 });
    expect(customizations.partitions).toMatchObject([{ mountpoint: '/var/data', fsType: 'ext4', minBytes: 20 * 2 ** 30 }]);
    expect(secrets.get('user.alice.password')).toBe('bob');
    expect(configFromText('config.json', fixture('bib-readme-kernel.json'), 'json').customizations.kargs).toEqual(['mitigations=auto,nosmt']);
  });

  it('reads the same config from TOML, JSON and YAML, and the {"blueprint": ...} form', () => {
    const toml = configFromText('c.toml', '[[customizations.user]]\nname = "a"\ngroups = ["sudo"]\n', 'toml').customizations;
    const json = configFromText('c.json', '{"customizations": {"user": [{"name": "a", "groups": ["sudo"]}]}}', 'json').customizations;
    const yaml = configFromText('c.yaml', 'customizations:\n  user:\n    - name: a\n      groups: [sudo]\n', 'yaml').customizations;
    const wrapped = configFromText('c.json', '{"blueprint": {"customizations": {"user": [{"name": "a", "groups": ["sudo"]}]}}}', 'json').customizations;
    expect(json.users).toEqual(toml.users.map((u) => ({ ...u, at: ['customizations', 'user', 0] })));
    expect(yaml.users).toEqual(json.users);
    expect(wrapped.users[0]).toMatchObject({ name: 'a', groups: ['sudo'], at: ['blueprint', 'customizations', 'user', 0] });
  });

  it('tells hashes from plain passwords and locks accounts with an empty one', () => {
    const text = ['y$j9T$abc', '6$salt$hash', '2b$10$abc', '5$x$y'].map((h, i) => `[[customizations.user]]\nname = "u${i}"\npassword = "$${h}"\n`).join('')
      + '[[customizations.user]]\nname = "plain"\npassword = "hunter2"\n[[customizations.user]]\nname = "locked"\npassword = ""\n';
    expect(configFromText('c.toml', text, 'toml').customizations.users.map((u) => u.password)).toEqual(['hash', 'hash', 'hash', 'hash', 'plain', 'locked']);
  });

  it('keeps a password as a hash only in crypt syntax, optionally locked with "!"; anything else is hashed', () => {
    const passwords = ['!$y$j9T$abc', '!RTbangplain', '*', '$sha1$1$x', '$unknown$x', 'pass:word'];
    const text = passwords.map((p, i) => `[[customizations.user]]\nname = "u${i}"\npassword = '${p}'\n`).join('');
    expect(configFromText('c.toml', text, 'toml').customizations.users.map((u) => u.password)).toEqual(['hash', 'plain', 'plain', 'hash', 'plain', 'plain']);
  });

  it('accepts uids and gids up to 4294967294 and uid 0 for root', () => {
    const text = '[[customizations.user]]\nname = "root"\nuid = 0\n[[customizations.user]]\nname = "a"\nuid = 4294967294\ngid = 4294967294\n';
    expect(configFromText('c.toml', text, 'toml').customizations.users.map((u) => u.uid)).toEqual([0, 4294967294]);
  });

  it('splits kernel.append as the kernel does: a double-quoted value keeps its spaces', () => {
    const kargs = (append: string) => configFromText('c.json', JSON.stringify({ customizations: { kernel: { append } } }), 'json').customizations.kargs;
    expect(kargs('foo="bar baz"  quiet splash')).toEqual(['foo="bar baz"', 'quiet', 'splash']);
    expect(kargs('"a b" c')).toEqual(['"a b"', 'c']);
  });

  it('accepts labels up to each filesystem\'s limit, GUIDs in any case and 36-character partition names', () => {
    const c = configFromText('c.toml', [
      '[[customizations.disk.partitions]]\nmountpoint = "/var/data"\nfs_type = "xfs"\nlabel = "twelve-chars"\nminsize = "1 GiB"',
      `part_uuid = "0fc63daf-8483-4772-8e79-3d69d8477de4"\npart_type = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"\npart_label = "${'p'.repeat(36)}"`,
      '[[customizations.disk.partitions]]\nmountpoint = "/var/lib/my_app@1+x"\nlabel = "sixteen-chars-ok"\nminsize = "1 GiB"\n',
    ].join('\n'), 'toml').customizations;
    expect(c.partitions.map((p) => p.label)).toEqual(['twelve-chars', 'sixteen-chars-ok']);
  });

  it('reads TOML too large for the position-keeping parser, naming keys without positions', () => {
    const data = 'x'.repeat(300 * 1024);
    const { secrets } = configFromText('config.toml', `[[customizations.files]]\npath = "/etc/big"\ndata = "${data}"\n`, 'toml');
    expect(secrets.get('file.0.data')).toBe(data);
    const multiline = configFromText('config.toml', `[[customizations.files]]\npath = "/etc/big"\ndata = """\n${'line\n'.repeat(60 * 1024)}"""\n`, 'toml');
    expect(multiline.secrets.get('file.0.data')?.length).toBe(300 * 1024);
    expect(() => configFromText('config.toml', `[[customizations.files]]\npath = "/etc/big"\nmod = "0644"\ndata = "${data}"\n`, 'toml')).toThrow(
      /^config\.toml: customizations\.files\[0\]\.mod: unknown key \(did you mean "mode"\?\)$/,
    );
    expect(() => configFromText('config.toml', `[[customizations.files]]\ndata = "${data}"\nx = [\n`, 'toml')).toThrow(/^config\.toml:4:1: not valid TOML: /);
  });

  it('parses sizes as osbuild does', () => {
    expect([parseSize(1024), parseSize('10 GiB'), parseSize('512MiB'), parseSize('1.5 GiB'), parseSize('3 GB')]).toEqual([1024, 10 * 2 ** 30, 512 * 2 ** 20, 1.5 * 2 ** 30, 3e9]);
    expect([parseSize('20G'), parseSize('10 gib'), parseSize('1 PB'), parseSize(-1)]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('takes the root filesystem from the disk layout: a plain xfs "/", or a btrfs partition with subvolumes', () => {
    const xfs = configFromText('c.toml', '[[customizations.disk.partitions]]\nmountpoint = "/"\nfs_type = "xfs"\nminsize = "8 GiB"\n', 'toml');
    expect(xfs.customizations.root).toMatchObject({ fsType: 'xfs', subvolumes: [] });
    const btrfs = configFromText(
      'c.toml',
      '[[customizations.disk.partitions]]\ntype = "btrfs"\nminsize = "10 GiB"\n[[customizations.disk.partitions.subvolumes]]\nname = "root"\nmountpoint = "/"\n[[customizations.disk.partitions.subvolumes]]\nname = "varlog"\nmountpoint = "/var/log"\n',
      'toml',
    );
    expect(btrfs.customizations.root?.subvolumes.map((v) => `${v.name} ${v.mountpoint}`)).toEqual(['root /', 'varlog /var/log']);
    expect(btrfs.customizations.sizes.root).toBe(10 * 1024 ** 3);
  });

  it('reads an lvm partition: volume group, logical volumes with osbuild default names', () => {
    const c = configFromText('c.toml', fixture('lvm.toml'), 'toml').customizations;
    expect(c.volumeGroup?.name).toBe('mainvg');
    expect(c.volumeGroup?.volumes.map((v) => `${v.name} ${v.mountpoint ?? '-'} ${v.fsType} ${v.minBytes / 2 ** 20}`)).toEqual([
      'rootlv / ext4 4096',
      'var_loglv /var/log xfs 1024',
      'swaplv - swap 512',
    ]);
    expect(c.root).toMatchObject({ fsType: 'ext4', onLvm: true });
    expect(c.sizes.root).toBe(4 * 2 ** 30);
  });

  it('knows formats by extension', () => {
    expect([formatOf('a.toml'), formatOf('a.JSON'), formatOf('a.yml'), formatOf('a.yaml')]).toEqual(['toml', 'json', 'yaml', 'yaml']);
    expect(() => formatOf('a.conf')).toThrow('--config a.conf: name the file .toml, .json, .yaml or .yml so its format is known');
  });
});

const invalid: [string, string, string][] = [
  ['config.toml', 'a = [\n', 'config.toml:2:1: not valid TOML: Unspecified values are invalid'],
  ['config.json', '{\n  "customizations": {\n    "user": [ {"name": "a",} ]\n  }\n}\n', 'config.json:3:28: not valid JSON: Expected double-quoted property name'],
  ['config.yaml', 'customizations:\n  user: [\n', 'config.yaml:3:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  ['config.toml', '[[customizations.user]]\nname = "alice"\npasword = "x"\n', 'config.toml:3:1: customizations.user[0].pasword: unknown key (did you mean "password"?)'],
  ['config.json', '{\n  "customizations": {\n    "usr": []\n  }\n}\n', 'config.json:3:5: customizations.usr: unknown key (did you mean "user"?)'],
  ['config.yaml', 'customizations:\n  user:\n    - name: alice\n      grups: [wheel]\n', 'config.yaml:4:7: customizations.user[0].grups: unknown key (did you mean "groups"?)'],
  ['config.toml', '[[customizations.user]]\nname = "alice"\nuid = "1000"\n', 'config.toml:3:1: customizations.user[0].uid: expected an integer'],
  ['config.toml', '[[customizations.user]]\npassword = "x"\n', 'config.toml:1:1: customizations.user[0].name: required key is missing'],
  ['config.toml', '[[customizations.user]]\nname = "a"\ngroups = "wheel"\n', 'config.toml:3:1: customizations.user[0].groups: expected a list'],
  ['config.toml', '[[customizations.user]]\nname = "a"\n[[customizations.user]]\nname = "a"\n', 'config.toml:4:1: customizations.user[1].name: user a is listed twice'],
  ['config.toml', '[[customizations.user]]\nname = "a"\nhome = "var/home/a"\n', 'config.toml:3:1: customizations.user[0].home: must be an absolute path'],
  ['config.toml', '[[customizations.filesystem]]\nmountpoint = "/var/data"\nminsize = "20G"\n', 'config.toml:3:1: customizations.filesystem[0].minsize: "20G" is not a size: use bytes or a unit (kB, KiB, MB, MiB, GB, GiB, TB, TiB), e.g. "10 GiB"'],
  ['config.toml', '[[customizations.filesystem]]\nmountpoint = "/var"\nminsize = 1024\n', 'config.toml:2:1: customizations.filesystem[0].mountpoint: /var itself cannot be a separate filesystem (ostree manages it); use a directory under /var'],
  ['config.toml', '[[customizations.filesystem]]\nmountpoint = "/opt/data"\nminsize = 1024\n', 'config.toml:2:1: customizations.filesystem[0].mountpoint: /opt/data: mountpoints must be /, /boot or under /var (everything else comes read-only from the image)'],
  ['config.toml', '[[customizations.filesystem]]\nmountpoint = "/var/home/x"\nminsize = 1024\n', 'config.toml:2:1: customizations.filesystem[0].mountpoint: /var/home/x: /var/home cannot be a separate filesystem'],
  ['config.toml', '[[customizations.filesystem]]\nmountpoint = "/"\nminsize = 1\n[customizations.disk]\nminsize = 1\n', 'config.toml:4:1: customizations.disk: cannot be combined with filesystem customizations: use one of them'],
  ['config.toml', '[customizations.disk]\ntype = "dos"\n', 'config.toml:2:1: customizations.disk.type: only GPT disks are made (one disk boots both BIOS and UEFI)'],
  ['config.toml', '[[customizations.disk.partitions]]\ntype = "lvm"\nminsize = "10 GiB"\n', 'config.toml:1:1: customizations.disk.partitions[0].logical_volumes: an lvm partition needs at least one logical volume'],
  ['config.toml', '[[customizations.disk.partitions]]\ntype = "lvm"\nminsize = "10 GiB"\n[[customizations.disk.partitions.logical_volumes]]\nmountpoint = "/boot"\nminsize = "1 GiB"\n', 'config.toml:5:1: customizations.disk.partitions[0].logical_volumes[0].mountpoint: /boot cannot be a logical volume (the firmware and GRUB read it)'],
  ['config.toml', '[[customizations.disk.partitions]]\ntype = "lvm"\nname = "bad/vg"\nminsize = "10 GiB"\n[[customizations.disk.partitions.logical_volumes]]\nmountpoint = "/"\nminsize = "1 GiB"\n', 'config.toml:3:1: customizations.disk.partitions[0].name: "bad/vg" is not a volume group name: letters, digits, + _ . -'],
  ['config.toml', '[[customizations.disk.partitions]]\ntype = "lvm"\nminsize = "10 GiB"\n[[customizations.disk.partitions.logical_volumes]]\nfs_type = "swap"\nmountpoint = "/var/swap"\nminsize = "1 GiB"\n', 'config.toml:6:1: customizations.disk.partitions[0].logical_volumes[0].mountpoint: a swap volume has no mountpoint'],
  ['config.toml', '[[customizations.disk.partitions]]\ntype = "lvm"\nminsize = "10 GiB"\n[[customizations.disk.partitions.logical_volumes]]\nmountpoint = "/"\nminsize = "1 GiB"\n[[customizations.disk.partitions]]\ntype = "btrfs"\nminsize = "1 GiB"\n', 'config.toml:8:1: customizations.disk.partitions[1].type: btrfs and lvm partitions cannot be combined'],
  ['config.toml', '[[customizations.disk.partitions]]\ntype = "btrfs"\nminsize = "8 GiB"\n[[customizations.disk.partitions.subvolumes]]\nname = "data"\nmountpoint = "/var/data"\n', 'config.toml:4:1: customizations.disk.partitions[0].subvolumes: the btrfs partition must hold the root: add a subvolume with mountpoint "/" (e.g. name "root")'],
  ['config.toml', '[[customizations.disk.partitions]]\ntype = "btrfs"\nminsize = "8 GiB"\n[[customizations.disk.partitions.subvolumes]]\nname = "a/b"\nmountpoint = "/"\n', 'config.toml:5:1: customizations.disk.partitions[0].subvolumes[0].name: "a/b" is not a subvolume name: letters, digits, _ . @ - (no /)'],
  ['config.toml', '[[customizations.disk.partitions]]\ntype = "btrfs"\nminsize = "8 GiB"\nmountpoint = "/"\n', 'config.toml:4:1: customizations.disk.partitions[0].mountpoint: not for a btrfs partition: its subvolumes carry the mountpoints'],
  ['config.toml', '[[customizations.disk.partitions]]\ntype = "btrfs"\nminsize = "8 GiB"\n[[customizations.disk.partitions.subvolumes]]\nname = "root"\nmountpoint = "/"\n[[customizations.disk.partitions.subvolumes]]\nname = "home"\nmountpoint = "/home"\n', 'config.toml:9:1: customizations.disk.partitions[0].subvolumes[1].mountpoint: /home: mountpoints must be /, /boot or under /var (everything else comes read-only from the image)'],
  ['config.toml', '[[customizations.disk.partitions]]\nmountpoint = "/"\nfs_type = "vfat"\nminsize = "8 GiB"\n', 'config.toml:3:1: customizations.disk.partitions[0].fs_type: / must be ext4 or xfs (or a btrfs subvolume)'],
  ['config.toml', '[[customizations.disk.partitions]]\nfs_type = "swap"\nmountpoint = "/var/swap"\nminsize = "1 GiB"\n', 'config.toml:3:1: customizations.disk.partitions[0].mountpoint: a swap partition has no mountpoint'],
  ['config.toml', '[[customizations.disk.partitions]]\nfs_type = "btrfs"\nminsize = "1 GiB"\n', 'config.toml:2:1: customizations.disk.partitions[0].fs_type: must be one of: ext4, xfs, vfat, swap, none'],
  ['config.toml', '[[customizations.files]]\npath = "/usr/bin/tool"\n', 'config.toml:2:1: customizations.files[0].path: /usr/bin/tool: a file can only go under /etc, /root or /var (everything else is the read-only image)'],
  ['config.toml', '[[customizations.files]]\npath = "/etc/passwd"\ndata = "x"\n', 'config.toml:2:1: customizations.files[0].path: /etc/passwd is managed by the builder: use user and group customizations'],
  ['config.toml', '[[customizations.files]]\npath = "/etc/x"\nmode = 644\n', 'config.toml:3:1: customizations.files[0].mode: expected a string: octal permission bits as a string, e.g. "0644"'],
  ['config.toml', '[[customizations.files]]\npath = "/etc/x"\nmode = "4755"\n', 'config.toml:3:1: customizations.files[0].mode: not in the expected form: octal permission bits as a string, e.g. "0644"'],
  ['config.toml', '[[customizations.files]]\npath = "/etc/x"\nuri = "https://example.org/x"\n', 'config.toml:3:1: customizations.files[0].uri: not supported: give the contents in "data"'],
  ['config.toml', '[[customizations.directories]]\npath = "/etc/x/"\n', 'config.toml:2:1: customizations.directories[0].path: "/etc/x/" is not an absolute, canonical path'],
  ['config.toml', '[customizations]\nhostname = "bad_host!"\n', 'config.toml:2:1: customizations.hostname: not a valid host name'],
  ['config.toml', '[customizations.timezone]\ntimezone = "Berlin Time"\n', 'config.toml:2:1: customizations.timezone.timezone: "Berlin Time" is not a time zone name (e.g. Europe/Berlin)'],
  ['config.toml', '[customizations.locale]\nlanguages = ["german"]\n', 'config.toml:2:14: customizations.locale.languages[0]: "german" is not a locale name (e.g. en_US.UTF-8)'],
  ['config.toml', '[customizations.kernel]\nname = "kernel-rt"\n', 'config.toml:2:1: customizations.kernel.name: not supported: a bootc image ships its own kernel'],
  ['config.toml', '[customizations.installer.kickstart]\ncontents = "text"\n', 'config.toml:1:1: customizations.installer: not supported: applies to ISO installers, which this builder does not make'],
  ['config.toml', 'packages = [{name = "vim"}]\n', 'config.toml:1:1: packages: not supported: a bootc image gets its packages from its Containerfile'],
  ['config.json', '{"customizations": {"hostname": "a"}, "blueprint": {}}', 'config.json:1:39: blueprint: give the customizations either at the top level or under "blueprint", not both'],
  ['config.toml', '[customizations]\nhostname = 5\nkernel = "x"\n', 'config.toml:2:1: customizations.hostname: expected a string (and 1 more problem)'],
  // issue 11: text that would reach commands, files or the partition table wrongly
  ['config.toml', '[[customizations.user]]\nname = "alice"\ndescription = "@secret:user.alice.password@"\n', `config.toml:3:1: customizations.user[0].description: must not contain "@secret:" (reserved for the builder's secret placeholders)`],
  ['config.toml', '[customizations]\nhostname = "@secret:nope@"\n', `config.toml:2:1: customizations.hostname: must not contain "@secret:" (reserved for the builder's secret placeholders)`],
  ['config.json', '{"blueprint": {"customizations": {"files": [{"path": "/etc/@secret:file.0.data@"}]}}}', `config.json:1:46: blueprint.customizations.files[0].path: must not contain "@secret:" (reserved for the builder's secret placeholders)`],
  ['config.toml', '[[customizations.user]]\nname = "alice"\npassword = "alicepw\\nroot:RTrootpw"\n', 'config.toml:3:1: customizations.user[0].password: must not contain a line break or other control character'],
  ['config.toml', '[[customizations.user]]\nname = "alice\\nroot"\n', 'config.toml:2:1: customizations.user[0].name: must not contain a line break or other control character'],
  ['config.toml', '[[customizations.user]]\nname = "alice"\ngroups = ["sudo\\n"]\n', 'config.toml:3:11: customizations.user[0].groups[0]: must not contain a line break or other control character'],
  ['config.toml', '[[customizations.sshkey]]\nuser = "root"\nkey = "ssh-ed25519 AAAA\\u0000x"\n', 'config.toml:3:1: customizations.sshkey[0].key: must not contain control characters other than line breaks'],
  ['config.toml', '[[customizations.user]]\nname = "alice"\npassword = "$6$salt$hash:0:0:::"\n', 'config.toml:3:1: customizations.user[0].password: starts like a crypt hash but holds characters no hash has (only letters, digits and . / $ = ,): give the whole hash, or a plain-text password'],
  ['config.toml', '[[customizations.user]]\nname = "alice"\ndescription = "Alice:x"\n', 'config.toml:3:1: customizations.user[0].description: must not contain ":" (it separates the fields of /etc/passwd)'],
  ['config.toml', '[[customizations.user]]\nname = "alice"\nuid = 0\n', `config.toml:3:1: customizations.user[0].uid: uid 0 is root's: give another uid (or none, and useradd picks one)`],
  ['config.toml', '[[customizations.user]]\nname = "alice"\nuid = 4294967295\n', 'config.toml:3:1: customizations.user[0].uid: must be at most 4294967294'],
  ['config.toml', '[[customizations.user]]\nname = "alice"\nuid = -1\n', 'config.toml:3:1: customizations.user[0].uid: must be at least 0'],
  ['config.toml', '[[customizations.user]]\nname = "alice"\ngid = 4294967295\n', 'config.toml:3:1: customizations.user[0].gid: must be at most 4294967294'],
  ['config.toml', '[[customizations.group]]\nname = "devs"\ngid = 4294967295\n', 'config.toml:3:1: customizations.group[0].gid: must be at most 4294967294'],
  ['config.toml', '[[customizations.group]]\nname = "devs"\ngid = -5\n', 'config.toml:3:1: customizations.group[0].gid: must be at least 0'],
  ['config.toml', '[[customizations.user]]\nname = "a"\nuid = 1500\n[[customizations.user]]\nname = "b"\nuid = 1500\n', 'config.toml:6:1: customizations.user[1].uid: uid 1500 is already given to customizations.user[0]'],
  ['config.toml', '[[customizations.disk.partitions]]\nmountpoint = "/var/data"\nfs_type = "xfs"\nlabel = "thirteen-char"\nminsize = "1 GiB"\n', 'config.toml:4:1: customizations.disk.partitions[0].label: "thirteen-char" is too long: xfs labels are at most 12 bytes'],
  ['config.toml', '[[customizations.disk.partitions]]\nmountpoint = "/var/data"\nlabel = "seventeen-chars-x"\nminsize = "1 GiB"\n', 'config.toml:3:1: customizations.disk.partitions[0].label: "seventeen-chars-x" is too long: ext4 labels are at most 16 bytes'],
  ['config.toml', '[[customizations.disk.partitions]]\nfs_type = "swap"\nlabel = "sixteen-chars-sw"\nminsize = "1 GiB"\n', 'config.toml:3:1: customizations.disk.partitions[0].label: "sixteen-chars-sw" is too long: swap labels are at most 15 bytes'],
  ['config.toml', '[[customizations.disk.partitions]]\nmountpoint = "/boot/efi"\nfs_type = "vfat"\nlabel = "EFI-SYSTEM-X"\nminsize = "1 GiB"\n', 'config.toml:4:1: customizations.disk.partitions[0].label: "EFI-SYSTEM-X" is too long: vfat labels are at most 11 bytes'],
  ['config.toml', '[[customizations.disk.partitions]]\ntype = "lvm"\nminsize = "10 GiB"\n[[customizations.disk.partitions.logical_volumes]]\nmountpoint = "/"\nfs_type = "xfs"\nlabel = "root-volume-x"\nminsize = "1 GiB"\n', 'config.toml:7:1: customizations.disk.partitions[0].logical_volumes[0].label: "root-volume-x" is too long: xfs labels are at most 12 bytes'],
  ['config.toml', '[[customizations.disk.partitions]]\nfs_type = "none"\nlabel = "x"\nminsize = "1 GiB"\n', 'config.toml:3:1: customizations.disk.partitions[0].label: a partition with fs_type "none" has no filesystem to label'],
  ['config.toml', '[[customizations.disk.partitions]]\nmountpoint = "/var/data"\npart_uuid = "not-a-guid"\nminsize = "1 GiB"\n', 'config.toml:3:1: customizations.disk.partitions[0].part_uuid: "not-a-guid" is not a GUID (8-4-4-4-12 hex digits, e.g. 0FC63DAF-8483-4772-8E79-3D69D8477DE4)'],
  ['config.toml', '[[customizations.disk.partitions]]\nmountpoint = "/var/data"\npart_type = "linux"\nminsize = "1 GiB"\n', 'config.toml:3:1: customizations.disk.partitions[0].part_type: "linux" is not a GUID (8-4-4-4-12 hex digits, e.g. 0FC63DAF-8483-4772-8E79-3D69D8477DE4)'],
  ['config.toml', '[[customizations.disk.partitions]]\nmountpoint = "/var/data"\npart_label = \'my "data"\'\nminsize = "1 GiB"\n', 'config.toml:3:1: customizations.disk.partitions[0].part_label: must not contain quotes or backslashes'],
  ['config.toml', `[[customizations.disk.partitions]]\nmountpoint = "/var/data"\npart_label = "${'x'.repeat(37)}"\nminsize = "1 GiB"\n`, `config.toml:3:1: customizations.disk.partitions[0].part_label: "${'x'.repeat(37)}" is too long: a GPT partition name is at most 36 characters`],
  ['config.toml', '[[customizations.disk.partitions]]\nmountpoint = "/var/my data"\nminsize = "1 GiB"\n', 'config.toml:2:1: customizations.disk.partitions[0].mountpoint: "/var/my data" is not a usable mountpoint: "/" or /-separated names of letters, digits and . _ @ + - (no spaces, no "." or ".." parts, no trailing /)'],
  ['config.toml', '[[customizations.filesystem]]\nmountpoint = "/var/data/../x"\nminsize = "1 GiB"\n', 'config.toml:2:1: customizations.filesystem[0].mountpoint: "/var/data/../x" is not a usable mountpoint: "/" or /-separated names of letters, digits and . _ @ + - (no spaces, no "." or ".." parts, no trailing /)'],
  ['config.toml', '[[customizations.filesystem]]\nmountpoint = "/var/./x"\nminsize = "1 GiB"\n', 'config.toml:2:1: customizations.filesystem[0].mountpoint: "/var/./x" is not a usable mountpoint: "/" or /-separated names of letters, digits and . _ @ + - (no spaces, no "." or ".." parts, no trailing /)'],
  ['config.toml', '[[customizations.filesystem]]\nmountpoint = "/var/data\\n/var/x"\nminsize = "1 GiB"\n', 'config.toml:2:1: customizations.filesystem[0].mountpoint: must not contain a line break or other control character'],
  ['config.toml', '[customizations.kernel]\nappend = "foo=\\"bar baz quiet"\n', 'config.toml:2:1: customizations.kernel.append: a double quote is not closed: quote a value with spaces as name="a b"'],
  ['config.toml', '[customizations.timezone]\nntpservers = ["a.example.org b.example.org"]\n', 'config.toml:2:15: customizations.timezone.ntpservers[0]: "a.example.org b.example.org" is not a host name or address'],
];

describe('invalid configs', () => {
  it.each(invalid)('%s: %s', (file, text, message) => {
    const load = () => configFromText(file, text, formatOf(file));
    expect(load).toThrow(UserError);
    expect(load).toThrow(message);
    try {
      load();
    } catch (error) {
      expect((error as UserError).exitCode).toBe(19);
      expect((error as UserError).message).toBe(message);
    }
  });
});

describe('secret placeholders and one-line messages', () => {
  const facts = (ref: string) => exampleFacts((f) => Object.assign(f, { ref, source: parseImageRef(ref) }));

  it('refuses "@secret:" in the image reference and --target-imgref, which reach the plan\'s commands', () => {
    expect(() => updateSource(facts('oci-archive:/in/@secret:user.root.password@.tar'))).toThrow(
      'the image reference "oci-archive:/in/@secret:user.root.password@.tar" must not contain "@secret:" (reserved for the builder\'s secret placeholders)',
    );
    expect(() => updateSource(facts('localhost/app'), 'oci:/srv/@secret:x@')).toThrow(/^--target-imgref "oci:\/srv\/@secret:x@" must not contain "@secret:"/);
    try {
      updateSource(facts('localhost/app'), 'oci:/srv/@secret:x@');
    } catch (error) {
      expect((error as UserError).exitCode).toBe(2);
    }
  });

  it('keeps every error one line, whatever the values it quotes', () => {
    expect(describeError(new UserError('config', 'user "a\nb" is bad'))).toBe('user "a\\nb" is bad');
    expect(describeError(new Error('x\r\ny'))).toMatch(/^internal error: x\\r\\ny /);
    expect(quote('a\nb"c')).toBe('"a\\nb\\"c"');
  });
});
