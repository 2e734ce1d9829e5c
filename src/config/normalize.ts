// Checks a schema-valid config against the rules a bootc disk imposes (the same rules as
// bootc-image-builder where it has them) and turns it into Customizations plus Secrets.
// Pure: every problem is a ConfigError that names its key.
import type { Customizations, ExtraPartition, NodeSpec, PasswordKind, RootSpec, SubvolumeSpec, UserSpec, VolumeGroupSpec, VolumeSpec } from './customizations.js';
import type { Config, CustomizationsConfig } from './schema.js';
import { REFUSED_CUSTOMIZATIONS, REFUSED_TOP_LEVEL } from './schema.js';
import { fileSecret, keySecret, passwordSecret } from './secrets.js';
import { parseSize } from './size.js';
import { ConfigError, formatPath, type KeyPath } from './source.js';
import { quote } from '../errors.js';
import { splitKargs } from '../plan/kargs.js';

/** /var subdirectories bootc-image-builder will not make filesystems of (symlinks on bootc systems). */
const DENIED_VAR_MOUNTS = ['/var/home', '/var/lock', '/var/mail', '/var/mnt', '/var/roothome', '/var/run', '/var/srv', '/var/usrlocal'];
/** Files the builder manages itself. */
const DENIED_FILES = ['/etc/fstab', '/etc/group', '/etc/passwd', '/etc/shadow', '/etc/gshadow'];
const NODE_ROOTS = ['/etc', '/root', '/var'];
const NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}$/;
/** A crypt(3) hash (libxcrypt's prefixes), optionally locked with "!"; anything else is plain text. */
const HASH = /^!?\$(1|2[abxy]|5|6|7|y|gy|sha1|md5)\$/;
const HASH_TEXT = /^!?\$[A-Za-z0-9./$=,]+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
const MOUNTPOINT = /^(\/[A-Za-z0-9._@+-]+)+$/;
const GUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const NTP_SERVER = /^[A-Za-z0-9._:[\]-]+$/;
/** Longest filesystem label each mkfs takes, in bytes. */
const LABEL_BYTES: Record<string, number> = { xfs: 12, ext4: 16, swap: 15, vfat: 11, btrfs: 255 };
/** A GPT partition name is 36 UTF-16 code units. */
const PART_LABEL_UNITS = 36;
/** What text in the config can never be: the executor replaces it right before a command runs. */
const SECRET_MARK = '@secret:';
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const TIMEZONE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;
const LANGUAGE = /^([a-z]{2,3}(_[A-Z]{2})?(\.[A-Za-z0-9-]+)?(@[a-z]+)?|C|POSIX|C\.(UTF-8|utf8))$/;
const UNIT = /^[A-Za-z0-9:_.\\@-]+$/;

export interface Normalized {
  customizations: Customizations;
  secrets: Map<string, string>;
}

export function normalizeConfig(config: Config): Normalized {
  refuseKeys(config, REFUSED_TOP_LEVEL, []);
  if (config.blueprint && config.customizations) {
    throw new ConfigError(['blueprint'], 'give the customizations either at the top level or under "blueprint", not both');
  }
  const base: KeyPath = config.blueprint ? ['blueprint', 'customizations'] : ['customizations'];
  if (config.blueprint) refuseKeys(config.blueprint, REFUSED_TOP_LEVEL, ['blueprint']);
  const c: CustomizationsConfig = (config.blueprint ?? config).customizations ?? {};
  refuseKeys(c, REFUSED_CUSTOMIZATIONS, base);
  checkText(config, []);
  const at = (...rest: KeyPath): KeyPath => [...base, ...rest];
  const secrets = new Map<string, string>();

  if (c.kernel?.name !== undefined) throw new ConfigError(at('kernel', 'name'), 'not supported: a bootc image ships its own kernel');
  if (c.hostname !== undefined && !HOSTNAME.test(c.hostname)) throw new ConfigError(at('hostname'), 'not a valid host name');
  if (c.filesystem && c.disk) throw new ConfigError(at('disk'), 'cannot be combined with filesystem customizations: use one of them');

  return {
    customizations: {
      base,
      hostname: c.hostname,
      kargs: kernelArgs(c.kernel?.append, at('kernel', 'append')),
      groups: groups(c, at),
      users: users(c, at, secrets),
      timezone: timezone(c, at),
      locale: locale(c, at),
      services: services(c, at),
      ...layout(c, at),
      files: (c.files ?? []).map((f, i) => {
        if (f.uri !== undefined) throw new ConfigError(at('files', i, 'uri'), 'not supported: give the contents in "data"');
        const node = fsNode(f, 0o644, at('files', i), 'file');
        if (DENIED_FILES.includes(node.path)) throw new ConfigError(at('files', i, 'path'), `${node.path} is managed by the builder: use user and group customizations`);
        secrets.set(fileSecret(i), f.data ?? '');
        return node;
      }),
      directories: (c.directories ?? []).map((d, i) => ({ ...fsNode(d, 0o755, at('directories', i), 'directory'), ensureParents: d.ensure_parents ?? false })),
    },
    secrets,
  };
}

/**
 * Every string of the config: none may name a secret placeholder (the executor would fill
 * it in), and none under the customizations may hold a line break or control character
 * (they end up in argv, stdin lines, fstab and sfdisk scripts). Secrets themselves (passwords,
 * keys, file data) are checked where they are read.
 */
function checkText(value: unknown, path: KeyPath): void {
  if (typeof value === 'string') {
    if (isSecret(path)) return;
    if (value.includes(SECRET_MARK)) throw new ConfigError(path, `must not contain "${SECRET_MARK}" (reserved for the builder's secret placeholders)`);
    if (path.includes('customizations') && CONTROL.test(value)) throw new ConfigError(path, 'must not contain a line break or other control character');
  } else if (Array.isArray(value)) value.forEach((v, i) => checkText(v, [...path, i]));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) checkText(v, [...path, k]);
}

/** customizations.user[N].password and .key, sshkey[N].key, files[N].data */
function isSecret(path: KeyPath): boolean {
  const [parent, list, index, field] = path.slice(-4);
  if (parent !== 'customizations' || typeof index !== 'number') return false;
  return (list === 'user' && (field === 'password' || field === 'key')) || (list === 'sshkey' && field === 'key') || (list === 'files' && field === 'data');
}

function kernelArgs(append: string | undefined, path: KeyPath): string[] {
  const args = splitKargs(append ?? '');
  if (!args) throw new ConfigError(path, 'a double quote is not closed: quote a value with spaces as name="a b"');
  return args;
}

function refuseKeys(object: object, refused: Record<string, string>, base: KeyPath): void {
  const first = Object.keys(refused).find((k) => (object as Record<string, unknown>)[k] !== undefined);
  if (first) throw new ConfigError([...base, first], `not supported: ${refused[first]}`);
}

function groups(c: CustomizationsConfig, at: (...p: KeyPath) => KeyPath) {
  const seen = new Map<string, number>();
  return (c.group ?? []).map((g, i) => {
    if (!NAME.test(g.name)) throw new ConfigError(at('group', i, 'name'), `${quote(g.name)} is not a valid group name`);
    if (seen.has(g.name)) throw new ConfigError(at('group', i, 'name'), `group ${g.name} is already listed at group[${seen.get(g.name)}]`);
    seen.set(g.name, i);
    return { name: g.name, gid: g.gid, at: at('group', i) };
  });
}

function users(c: CustomizationsConfig, at: (...p: KeyPath) => KeyPath, secrets: Map<string, string>): UserSpec[] {
  const byName = new Map<string, UserSpec>();
  (c.sshkey ?? []).forEach((k, i) => {
    if (!NAME.test(k.user)) throw new ConfigError(at('sshkey', i, 'user'), `${quote(k.user)} is not a valid user name`);
    secrets.set(keySecret(k.user), sshKeys(k.key, at('sshkey', i, 'key')));
    byName.set(k.user, { name: k.user, at: at('sshkey', i), key: true, groups: [], forcePasswordReset: false });
  });
  const listed = new Set<string>();
  (c.user ?? []).forEach((u, i) => {
    const path = at('user', i);
    if (!NAME.test(u.name)) throw new ConfigError([...path, 'name'], `${quote(u.name)} is not a valid user name`);
    if (listed.has(u.name)) throw new ConfigError([...path, 'name'], `user ${u.name} is listed twice`);
    listed.add(u.name);
    for (const field of ['home', 'shell'] as const) {
      const v = u[field];
      if (v !== undefined && !v.startsWith('/')) throw new ConfigError([...path, field], 'must be an absolute path');
      if (v?.includes(':')) throw new ConfigError([...path, field], 'must not contain ":" (it separates the fields of /etc/passwd)');
    }
    if (u.description?.includes(':')) throw new ConfigError([...path, 'description'], 'must not contain ":" (it separates the fields of /etc/passwd)');
    checkUid(u, path, c.user ?? []);
    (u.groups ?? []).forEach((g, j) => {
      if (!NAME.test(g)) throw new ConfigError([...path, 'groups', j], `${quote(g)} is not a valid group name`);
    });
    let password: PasswordKind | undefined;
    if (u.password !== undefined) {
      password = passwordKind(u.password, [...path, 'password']);
      if (password !== 'locked') secrets.set(passwordSecret(u.name), u.password);
    }
    if (u.key !== undefined) secrets.set(keySecret(u.name), sshKeys(u.key, [...path, 'key']));
    byName.set(u.name, {
      name: u.name,
      at: path,
      description: u.description,
      password,
      key: u.key !== undefined || byName.get(u.name)?.key === true,
      home: u.home?.replace(/\/+$/, ''),
      shell: u.shell,
      groups: u.groups ?? [],
      uid: u.uid,
      gid: u.gid,
      expiredate: u.expiredate,
      forcePasswordReset: u.force_password_reset ?? false,
    });
  });
  return [...byName.values()];
}

/** "" locks the account; a crypt hash (optionally locked, "!$y$...") is kept; anything else is hashed. */
function passwordKind(password: string, path: KeyPath): PasswordKind {
  if (password === '') return 'locked';
  // one chpasswd line per user: a line break would start another user's line
  if (CONTROL.test(password)) throw new ConfigError(path, 'must not contain a line break or other control character');
  if (!HASH.test(password)) return 'plain';
  if (!HASH_TEXT.test(password)) {
    throw new ConfigError(path, 'starts like a crypt hash but holds characters no hash has (only letters, digits and . / $ = ,): give the whole hash, or a plain-text password');
  }
  return 'hash';
}

/** authorized_keys lines: line breaks separate keys; other control characters are refused. */
function sshKeys(keys: string, path: KeyPath): string {
  if (/[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f]/.test(keys)) throw new ConfigError(path, 'must not contain control characters other than line breaks');
  return keys.trim();
}

/** uid 0 is root's; two users of the config cannot share a uid (useradd would refuse). */
function checkUid(u: { name: string; uid?: number }, path: KeyPath, all: { name: string; uid?: number }[]): void {
  if (u.uid === undefined) return;
  if (u.uid === 0 && u.name !== 'root') throw new ConfigError([...path, 'uid'], "uid 0 is root's: give another uid (or none, and useradd picks one)");
  const first = all.findIndex((other) => other.uid === u.uid);
  const self = all.findIndex((other) => other === u);
  if (first !== self) throw new ConfigError([...path, 'uid'], `uid ${u.uid} is already given to ${formatPath([...path.slice(0, -1), first])}`);
}

function timezone(c: CustomizationsConfig, at: (...p: KeyPath) => KeyPath): Customizations['timezone'] {
  if (!c.timezone) return undefined;
  const zone = c.timezone.timezone;
  if (zone !== undefined && !TIMEZONE.test(zone)) throw new ConfigError(at('timezone', 'timezone'), `${quote(zone)} is not a time zone name (e.g. Europe/Berlin)`);
  c.timezone.ntpservers?.forEach((server, i) => {
    if (!NTP_SERVER.test(server)) throw new ConfigError(at('timezone', 'ntpservers', i), `${quote(server)} is not a host name or address`);
  });
  return { zone, ntpServers: c.timezone.ntpservers ?? [] };
}

function locale(c: CustomizationsConfig, at: (...p: KeyPath) => KeyPath): Customizations['locale'] {
  if (!c.locale) return undefined;
  const language = c.locale.languages?.[0];
  c.locale.languages?.forEach((l, i) => {
    if (!LANGUAGE.test(l)) throw new ConfigError(at('locale', 'languages', i), `${quote(l)} is not a locale name (e.g. en_US.UTF-8)`);
  });
  const keyboard = c.locale.keyboard;
  if (keyboard !== undefined && !/^[A-Za-z0-9_-]+$/.test(keyboard)) throw new ConfigError(at('locale', 'keyboard'), `${quote(keyboard)} is not a keyboard layout name (e.g. de)`);
  return { language, keyboard, at: at('locale') };
}

function services(c: CustomizationsConfig, at: (...p: KeyPath) => KeyPath): Customizations['services'] {
  const list = (key: 'enabled' | 'disabled' | 'masked') =>
    (c.services?.[key] ?? []).map((name, i) => {
      if (!UNIT.test(name)) throw new ConfigError(at('services', key, i), `${quote(name)} is not a unit name`);
      return name.includes('.') ? name : `${name}.service`;
    });
  return { enabled: list('enabled'), disabled: list('disabled'), masked: list('masked') };
}

function size(value: number | string, path: KeyPath): number {
  const bytes = parseSize(value);
  if (bytes === undefined) throw new ConfigError(path, `${quote(String(value))} is not a size: use bytes or a unit (kB, KiB, MB, MiB, GB, GiB, TB, TiB), e.g. "10 GiB"`);
  if (bytes === 0) throw new ConfigError(path, 'must be greater than 0');
  return bytes;
}

/** What fstab, systemd mount units and the sfdisk script can carry unquoted. */
function checkMountpoint(mountpoint: string, path: KeyPath): void {
  if (mountpoint === '/') return;
  if (!MOUNTPOINT.test(mountpoint) || mountpoint.split('/').some((part) => part === '.' || part === '..')) {
    throw new ConfigError(path, `${quote(mountpoint)} is not a usable mountpoint: "/" or /-separated names of letters, digits and . _ @ + - (no spaces, no "." or ".." parts, no trailing /)`);
  }
}

/** A filesystem label mkfs takes: labels longer than the filesystem allows are refused. */
function checkLabel(label: string | undefined, fsType: string, path: KeyPath): void {
  if (label === undefined) return;
  if (fsType === 'none') throw new ConfigError(path, 'a partition with fs_type "none" has no filesystem to label');
  const limit = LABEL_BYTES[fsType];
  if (limit !== undefined && Buffer.byteLength(label) > limit) {
    throw new ConfigError(path, `${quote(label)} is too long: ${fsType} labels are at most ${limit} bytes`);
  }
}

/** part_uuid and part_type are GUIDs; part_label is a GPT name the sfdisk script can quote. */
function checkGpt(p: { part_uuid?: string; part_type?: string; part_label?: string }, path: KeyPath): void {
  for (const key of ['part_uuid', 'part_type'] as const) {
    const v = p[key];
    if (v !== undefined && !GUID.test(v)) throw new ConfigError([...path, key], `${quote(v)} is not a GUID (8-4-4-4-12 hex digits, e.g. 0FC63DAF-8483-4772-8E79-3D69D8477DE4)`);
  }
  const label = p.part_label;
  if (label === undefined) return;
  if (/["'\\]/.test(label)) throw new ConfigError([...path, 'part_label'], 'must not contain quotes or backslashes');
  if (label.length > PART_LABEL_UNITS) throw new ConfigError([...path, 'part_label'], `${quote(label)} is too long: a GPT partition name is at most ${PART_LABEL_UNITS} characters`);
}

/** Mountpoints other than / and /boot: under /var, not one of the denied symlinks. */
function checkVarMountpoint(mountpoint: string, path: KeyPath): void {
  canonical(mountpoint, path);
  if (mountpoint === '/var') throw new ConfigError(path, '/var itself cannot be a separate filesystem (ostree manages it); use a directory under /var');
  if (!mountpoint.startsWith('/var/')) throw new ConfigError(path, `${mountpoint}: mountpoints must be /, /boot or under /var (everything else comes read-only from the image)`);
  const denied = DENIED_VAR_MOUNTS.find((d) => mountpoint === d || mountpoint.startsWith(`${d}/`));
  if (denied) throw new ConfigError(path, `${mountpoint}: ${denied} cannot be a separate filesystem`);
}

function layout(c: CustomizationsConfig, at: (...p: KeyPath) => KeyPath): Pick<Customizations, 'sizes' | 'partitions' | 'root' | 'volumeGroup'> {
  const sizes: Customizations['sizes'] = {};
  const partitions: ExtraPartition[] = [];
  let root: RootSpec | undefined;
  let volumeGroup: VolumeGroupSpec | undefined;
  const seen = new Set<string>();
  const claim = (mountpoint: string, path: KeyPath) => {
    checkMountpoint(mountpoint, path);
    if (seen.has(mountpoint)) throw new ConfigError(path, `${mountpoint} is listed twice`);
    seen.add(mountpoint);
  };
  (c.filesystem ?? []).forEach((f, i) => {
    const path = at('filesystem', i, 'mountpoint');
    claim(f.mountpoint, path);
    const bytes = size(f.minsize, at('filesystem', i, 'minsize'));
    if (f.mountpoint === '/') sizes.root = bytes;
    else if (f.mountpoint === '/boot') sizes.boot = bytes;
    else {
      checkVarMountpoint(f.mountpoint, path);
      partitions.push({ mountpoint: f.mountpoint, fsType: 'ext4', minBytes: bytes, at: at('filesystem', i) });
    }
  });
  const disk = c.disk;
  if (disk) {
    if (disk.type === 'dos') throw new ConfigError(at('disk', 'type'), 'only GPT disks are made (one disk boots both BIOS and UEFI)');
    if (disk.minsize !== undefined) sizes.disk = size(disk.minsize, at('disk', 'minsize'));
    (disk.partitions ?? []).forEach((p, i) => {
      const path = at('disk', 'partitions', i);
      if (p.type === 'lvm') {
        if (volumeGroup) throw new ConfigError([...path, 'type'], 'only one lvm partition (volume group) is supported');
        volumeGroup = lvmPartition(p, path, claim, (v) => size(v, [...path, 'minsize']));
        const rootLv = volumeGroup.volumes.find((v) => v.mountpoint === '/');
        if (rootLv) {
          if (root) throw new ConfigError([...rootLv.at, 'mountpoint'], `/ is already ${root.fsType === 'btrfs' ? 'a btrfs subvolume' : 'a partition'}`);
          root = { fsType: rootLv.fsType as 'ext4' | 'xfs', onLvm: true, subvolumes: [], at: rootLv.at };
          sizes.root = rootLv.minBytes;
        }
        return;
      }
      if (p.type === 'btrfs') {
        if (root) throw new ConfigError([...path, 'type'], root.onLvm ? 'btrfs and lvm partitions cannot be combined' : 'only one btrfs partition (holding the "/" subvolume) is supported');
        if (volumeGroup) throw new ConfigError([...path, 'type'], 'btrfs and lvm partitions cannot be combined');
        root = btrfsRoot(p, path, claim);
        sizes.root = size(p.minsize, [...path, 'minsize']);
        return;
      }
      for (const key of ['name', 'logical_volumes', 'subvolumes'] as const) {
        if (p[key] !== undefined) throw new ConfigError([...path, key], 'only for lvm and btrfs partitions');
      }
      const bytes = size(p.minsize, [...path, 'minsize']);
      const fsType = p.fs_type ?? 'ext4';
      const mountpoint = p.mountpoint;
      checkLabel(p.label, fsType, [...path, 'label']);
      checkGpt(p, path);
      if ((fsType === 'swap' || fsType === 'none') && mountpoint) throw new ConfigError([...path, 'mountpoint'], `a ${fsType} partition has no mountpoint`);
      if (mountpoint) claim(mountpoint, [...path, 'mountpoint']);
      if (mountpoint === '/') {
        if (fsType !== 'ext4' && fsType !== 'xfs') throw new ConfigError([...path, 'fs_type'], '/ must be ext4 or xfs (or a btrfs subvolume)');
        if (root) throw new ConfigError([...path, 'mountpoint'], `/ is already ${root.onLvm ? 'a logical volume' : 'a btrfs subvolume'}`);
        root = { fsType, subvolumes: [], at: path };
        sizes.root = bytes;
      } else if (mountpoint === '/boot') {
        if (fsType !== 'ext4') throw new ConfigError([...path, 'fs_type'], '/boot must be ext4 here (every Debian GRUB reads it)');
        sizes.boot = bytes;
      } else if (mountpoint === '/boot/efi') {
        if (fsType !== 'vfat') throw new ConfigError([...path, 'fs_type'], '/boot/efi must be vfat');
        sizes.esp = bytes;
      } else {
        if (mountpoint) checkVarMountpoint(mountpoint, [...path, 'mountpoint']);
        else if (fsType !== 'swap' && fsType !== 'none') throw new ConfigError([...path, 'mountpoint'], `a ${fsType} partition needs a mountpoint`);
        partitions.push({ mountpoint, fsType, minBytes: bytes, label: p.label, partLabel: p.part_label, partType: p.part_type, partUuid: p.part_uuid, at: path });
      }
    });
  }
  return { sizes, partitions, ...(root ? { root } : {}), ...(volumeGroup ? { volumeGroup } : {}) };
}

const LVM_NAME = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/;
type DiskPartitionConfig = NonNullable<NonNullable<CustomizationsConfig['disk']>['partitions']>[number];

/** An lvm partition: a volume group (default name vg00) of logical volumes for /, /var/* or swap. */
function lvmPartition(p: DiskPartitionConfig, path: KeyPath, claim: (m: string, at: KeyPath) => void, bytes: (v: number | string) => number): VolumeGroupSpec {
  for (const key of ['mountpoint', 'fs_type', 'label', 'part_label', 'part_type', 'part_uuid', 'subvolumes'] as const) {
    if (p[key] !== undefined) throw new ConfigError([...path, key], 'not for an lvm partition: its logical_volumes carry the filesystems');
  }
  const name = p.name ?? 'vg00';
  if (!LVM_NAME.test(name) || name === '.' || name === '..') throw new ConfigError([...path, 'name'], `${quote(name)} is not a volume group name: letters, digits, + _ . -`);
  const volumes: VolumeSpec[] = [];
  (p.logical_volumes ?? []).forEach((lv, i) => {
    const at: KeyPath = [...path, 'logical_volumes', i];
    const fsType = lv.fs_type ?? 'ext4';
    if (fsType === 'vfat' || fsType === 'none') throw new ConfigError([...at, 'fs_type'], `a logical volume here is ext4, xfs or swap, not ${fsType}`);
    if (fsType === 'swap' && lv.mountpoint) throw new ConfigError([...at, 'mountpoint'], 'a swap volume has no mountpoint');
    if (fsType !== 'swap' && !lv.mountpoint) throw new ConfigError([...at, 'mountpoint'], `an ${fsType} volume needs a mountpoint ("/" or under /var)`);
    if (lv.mountpoint) {
      claim(lv.mountpoint, [...at, 'mountpoint']);
      if (lv.mountpoint === '/boot' || lv.mountpoint === '/boot/efi') throw new ConfigError([...at, 'mountpoint'], `${lv.mountpoint} cannot be a logical volume (the firmware and GRUB read it)`);
      if (lv.mountpoint !== '/') checkVarMountpoint(lv.mountpoint, [...at, 'mountpoint']);
    }
    checkLabel(lv.label, fsType, [...at, 'label']);
    const lvName = lv.name ?? defaultVolumeName(lv.mountpoint, volumes.length);
    if (!LVM_NAME.test(lvName) || lvName.startsWith('snapshot') || lvName.startsWith('pvmove')) {
      throw new ConfigError([...at, 'name'], `${quote(lvName)} is not a logical volume name: letters, digits, + _ . -`);
    }
    if (volumes.some((v) => v.name === lvName)) throw new ConfigError([...at, 'name'], `logical volume ${lvName} is listed twice`);
    volumes.push({ name: lvName, ...(lv.mountpoint ? { mountpoint: lv.mountpoint } : {}), fsType, ...(lv.label ? { label: lv.label } : {}), minBytes: bytes(lv.minsize), at });
  });
  if (volumes.length === 0) throw new ConfigError([...path, 'logical_volumes'], 'an lvm partition needs at least one logical volume');
  return { name, minBytes: bytes(p.minsize), volumes, at: path };
}

/** osbuild's names: rootlv for /, swaplv, and the mountpoint's path (var/log -> var_loglv). */
function defaultVolumeName(mountpoint: string | undefined, index: number): string {
  if (mountpoint === '/') return 'rootlv';
  if (!mountpoint) return index === 0 ? 'swaplv' : `swaplv${index}`;
  return `${mountpoint.slice(1).replaceAll('/', '_')}lv`;
}

const SUBVOLUME_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/;

/** A btrfs partition: the root filesystem, its "/" subvolume and any /var/* subvolumes. */
function btrfsRoot(p: DiskPartitionConfig, path: KeyPath, claim: (m: string, at: KeyPath) => void): RootSpec {
  for (const key of ['mountpoint', 'fs_type', 'label', 'part_label', 'part_type', 'part_uuid', 'name', 'logical_volumes'] as const) {
    if (p[key] !== undefined) throw new ConfigError([...path, key], 'not for a btrfs partition: its subvolumes carry the mountpoints');
  }
  const subvolumes: SubvolumeSpec[] = [];
  (p.subvolumes ?? []).forEach((v, i) => {
    const at: KeyPath = [...path, 'subvolumes', i];
    if (!SUBVOLUME_NAME.test(v.name)) throw new ConfigError([...at, 'name'], `${quote(v.name)} is not a subvolume name: letters, digits, _ . @ - (no /)`);
    if (subvolumes.some((s) => s.name === v.name)) throw new ConfigError([...at, 'name'], `subvolume ${v.name} is listed twice`);
    if (v.mountpoint === undefined) throw new ConfigError([...at, 'mountpoint'], 'a subvolume needs a mountpoint ("/" or under /var)');
    claim(v.mountpoint, [...at, 'mountpoint']);
    if (v.mountpoint !== '/') checkVarMountpoint(v.mountpoint, [...at, 'mountpoint']);
    subvolumes.push({ name: v.name, mountpoint: v.mountpoint, at });
  });
  if (!subvolumes.some((s) => s.mountpoint === '/')) {
    throw new ConfigError([...path, 'subvolumes'], 'the btrfs partition must hold the root: add a subvolume with mountpoint "/" (e.g. name "root")');
  }
  return { fsType: 'btrfs', subvolumes, at: path };
}

function canonical(path: string, at: KeyPath): void {
  if (!path.startsWith('/') || path !== path.replace(/\/+$/, '') || /\/\/|\/\.\.?(\/|$)/.test(path)) {
    throw new ConfigError(at, `${quote(path)} is not an absolute, canonical path`);
  }
}

function fsNode(n: { path: string; mode?: string; user?: string | number; group?: string | number }, mode: number, at: KeyPath, what: string): NodeSpec {
  canonical(n.path, [...at, 'path']);
  if (!NODE_ROOTS.some((r) => n.path.startsWith(`${r}/`))) {
    throw new ConfigError([...at, 'path'], `${n.path}: a ${what} can only go under /etc, /root or /var (everything else is the read-only image)`);
  }
  if (/^\/var\/(run|tmp|lock)(\/|$)/.test(n.path)) throw new ConfigError([...at, 'path'], `${n.path}: /var/run, /var/tmp and /var/lock are cleared at boot`);
  for (const key of ['user', 'group'] as const) {
    const v = n[key];
    if (typeof v === 'string' && !NAME.test(v)) throw new ConfigError([...at, key], `${quote(v)} is not a valid name`);
  }
  return { path: n.path, mode: n.mode === undefined ? mode : parseInt(n.mode, 8), user: n.user ?? 'root', group: n.group ?? 'root', at };
}
