// Extra /var/* filesystems are mounted into the stateroot's /var after the deployment, not
// before: ostree seeds /var only when it is completely empty, and a mountpoint directory
// would already count as content. Whatever the image put at a mountpoint moves into the
// new filesystem (keeping the directory's owner and mode), parents before children. These
// run on the builder's view of the stateroot's /var, which the image seeded: the plan
// refuses mountpoints through links, and the script refuses any path that resolves outside.
import { PATHS, device } from './paths.js';
import { buildMountOptions, filesystems } from './partitions.js';
import type { DiskLayout, Stage, Step } from './types.js';

export const MOVE_INTO = `set -e
dir=$1; fs=$2
case "$(realpath -m -- "$dir")" in
  "$dir") ;;
  *) echo "$dir leads elsewhere through a symlink in the image's /var: refusing to move or mount anything there" >&2; exit 1 ;;
esac
if [ -d "$dir" ]; then
  cp -a --reflink=auto "$dir"/. "$fs"/
  chown --reference="$dir" "$fs"; chmod --reference="$dir" "$fs"
  find "$dir" -mindepth 1 -delete
else
  mkdir -p "$dir"
fi`;

/** Filesystems mounted under /var: extra partitions and btrfs subvolumes of the root. */
export function varMounts(disk: DiskLayout): { id: string; device: string; options?: string[]; mountpoint: string }[] {
  return filesystems(disk)
    .flatMap(({ device, role, filesystem: fs }) => {
      if (role === 'extra' && fs.mountpoint) return [{ id: device, device, mountpoint: fs.mountpoint, ...buildMountOptions(fs) }];
      return (fs.subvolumes ?? [])
        .filter((v) => v.mountpoint !== '/')
        .map((v) => ({ id: `subvol-${v.name}`, device, options: [`subvol=${v.name}`], mountpoint: v.mountpoint }));
    })
    .sort((a, b) => a.mountpoint.split('/').length - b.mountpoint.split('/').length);
}

export function varPartitionsStage(disk: DiskLayout, stateroot: string): Stage | undefined {
  const var_ = `${PATHS.target}/ostree/deploy/${stateroot}/var`;
  const mounts = varMounts(disk);
  if (mounts.length === 0) return undefined;
  const steps = mounts.flatMap((m): Step[] => {
    const temporary = `${PATHS.files}/${m.id}`;
    const destination = `${var_}${m.mountpoint.slice('/var'.length)}`;
    const options = m.options ? { options: m.options } : {};
    return [
      { kind: 'mount', source: device(m.device), target: temporary, ...options },
      { kind: 'exec', in: 'builder', argv: ['sh', '-c', MOVE_INTO, 'move-into', destination, temporary] },
      { kind: 'unmount', target: temporary },
      { kind: 'mount', source: device(m.device), target: destination, ...options },
    ];
  });
  return { title: 'Mount the /var filesystems', lanes: [steps] };
}
