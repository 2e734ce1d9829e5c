// The build config: an osbuild blueprint, as bootc-image-builder reads it, with the
// customizations this builder applies. Unknown keys are errors. Keys that blueprints have
// but a bootc disk cannot honour are accepted here and refused later with the reason.
import Type, { type Static } from 'typebox';

const strict = { additionalProperties: false } as const;
const opt = Type.Optional;

const Size = Type.Union([Type.Integer({ minimum: 0 }), Type.String()], {
  description: 'bytes, or a number with a unit: kB, KiB, MB, MiB, GB, GiB, TB, TiB (e.g. "10 GiB")',
});
/** uids and gids: (uid_t)-1, 4294967295, means "no id" to the kernel and the tools */
export const MAX_ID = 4294967294;
const Id = Type.Integer({ minimum: 0, maximum: MAX_ID });
const Owner = Type.Union([Type.String(), Id], { description: 'a name or a numeric id' });
const Mode = Type.String({ pattern: '^0?[0-7]{3}$', description: 'octal permission bits as a string, e.g. "0644"' });
const Strings = Type.Array(Type.String());

const User = Type.Object(
  {
    name: Type.String({ description: 'user name; an existing user (e.g. root) is modified' }),
    description: opt(Type.String()),
    password: opt(Type.String({ description: 'a crypt(3) hash ($y$, $6$, ...) or plain text, hashed at build time; "" locks the account' })),
    key: opt(Type.String({ description: 'public SSH key(s) for ~/.ssh/authorized_keys' })),
    home: opt(Type.String()),
    shell: opt(Type.String()),
    groups: opt(Strings),
    uid: opt(Id),
    gid: opt(Id),
    expiredate: opt(Type.Integer({ minimum: 0, description: 'days since 1970-01-01 when the account expires' })),
    force_password_reset: opt(Type.Boolean()),
  },
  strict,
);

const Group = Type.Object({ name: Type.String(), gid: opt(Id) }, strict);
const SshKey = Type.Object({ user: Type.String(), key: Type.String() }, strict);
const Filesystem = Type.Object({ mountpoint: Type.String(), minsize: Size }, strict);

const PlainPartition = Type.Object(
  {
    type: opt(Type.Enum(['plain', 'lvm', 'btrfs'])),
    mountpoint: opt(Type.String()),
    label: opt(Type.String()),
    fs_type: opt(Type.Enum(['ext4', 'xfs', 'vfat', 'swap', 'none'])),
    minsize: Size,
    part_type: opt(Type.String()),
    part_label: opt(Type.String()),
    part_uuid: opt(Type.String()),
    name: opt(Type.String()),
    logical_volumes: opt(
      Type.Array(
        Type.Object(
          {
            name: opt(Type.String()),
            minsize: Size,
            mountpoint: opt(Type.String()),
            label: opt(Type.String()),
            fs_type: opt(Type.Enum(['ext4', 'xfs', 'vfat', 'swap', 'none'])),
          },
          strict,
        ),
      ),
    ),
    subvolumes: opt(Type.Array(Type.Object({ name: Type.String(), mountpoint: opt(Type.String()) }, strict))),
  },
  strict,
);

const Disk = Type.Object(
  {
    type: opt(Type.Enum(['gpt', 'dos'])),
    minsize: opt(Size),
    partitions: opt(Type.Array(PlainPartition)),
  },
  strict,
);

const FileNode = {
  path: Type.String({ description: 'absolute path under /etc, /root or /var' }),
  mode: opt(Mode),
  user: opt(Owner),
  group: opt(Owner),
};
const File = Type.Object({ ...FileNode, data: opt(Type.String()), uri: opt(Type.String()) }, strict);
const Directory = Type.Object({ ...FileNode, ensure_parents: opt(Type.Boolean()) }, strict);

/** Blueprint customizations that exist but cannot apply to a bootc disk built here. */
export const REFUSED_CUSTOMIZATIONS: Record<string, string> = {
  installer: 'applies to ISO installers, which this builder does not make',
  iso: 'applies to ISO installers, which this builder does not make',
  ignition: 'Ignition is not used by Debian bootc images',
  fips: 'FIPS mode must be set up in the image',
  firewall: 'configure the firewall in the image (Containerfile)',
  openscap: 'OpenSCAP remediation is not supported',
  fdo: 'FIDO device onboarding is not supported',
  repositories: 'a bootc image gets its packages from its Containerfile',
  rhsm: 'Red Hat subscriptions do not apply to Debian images',
  rpm: 'Debian images use dpkg, not rpm',
  cacerts: 'add CA certificates in the image (Containerfile)',
  containers: 'embedded containers are not supported',
  sshd: 'configure sshd in the image (Containerfile)',
  wsl: 'WSL images are not supported',
};

export const REFUSED_TOP_LEVEL: Record<string, string> = {
  packages: 'a bootc image gets its packages from its Containerfile',
  modules: 'a bootc image gets its packages from its Containerfile',
  groups: 'package groups do not apply: a bootc image gets its packages from its Containerfile',
  enabled_modules: 'a bootc image gets its packages from its Containerfile',
  containers: 'embedded containers are not supported',
  distro: 'the image decides the distribution',
  arch: 'the image decides the architecture',
  minimal: 'the image decides what is installed',
};

const Customizations = Type.Object(
  {
    hostname: opt(Type.String()),
    kernel: opt(Type.Object({ append: opt(Type.String()), name: opt(Type.String()) }, strict)),
    user: opt(Type.Array(User)),
    group: opt(Type.Array(Group)),
    sshkey: opt(Type.Array(SshKey)),
    timezone: opt(Type.Object({ timezone: opt(Type.String()), ntpservers: opt(Strings) }, strict)),
    locale: opt(Type.Object({ languages: opt(Strings), keyboard: opt(Type.String()) }, strict)),
    services: opt(Type.Object({ enabled: opt(Strings), disabled: opt(Strings), masked: opt(Strings) }, strict)),
    filesystem: opt(Type.Array(Filesystem)),
    disk: opt(Disk),
    files: opt(Type.Array(File)),
    directories: opt(Type.Array(Directory)),
    ...Object.fromEntries(Object.keys(REFUSED_CUSTOMIZATIONS).map((k) => [k, opt(Type.Unknown())])),
  },
  strict,
);

const BlueprintFields = {
  name: opt(Type.String()),
  description: opt(Type.String()),
  version: opt(Type.String()),
  customizations: opt(Customizations),
  ...Object.fromEntries(Object.keys(REFUSED_TOP_LEVEL).map((k) => [k, opt(Type.Unknown())])),
};

/** A blueprint, or (newer bootc-image-builder form) a blueprint under "blueprint". */
export const ConfigSchema = Type.Object(
  { ...BlueprintFields, blueprint: opt(Type.Object(BlueprintFields, strict)) },
  { ...strict, title: 'deb-bootc-image-builder build config', description: 'An osbuild blueprint (TOML, JSON or YAML)' },
);

export type Config = Static<typeof ConfigSchema>;
export type CustomizationsConfig = Static<typeof Customizations>;
