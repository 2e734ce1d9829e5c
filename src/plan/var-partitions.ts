// Extra /var/* filesystems are mounted into the stateroot's /var after the deployment, not
// before: ostree seeds /var only when it is completely empty, and a mountpoint directory
// would already count as content. Whatever the image put at a mountpoint moves into the
// new filesystem (keeping the directory's owner and mode), parents before children.
import { PATHS, device } from './paths.js';
import type { DiskLayout, Stage, Step } from './types.js';

const MOVE_INTO = `set -e
dir=$1; fs=$2
if [ -d "$dir" ]; then
  cp -a --reflink=auto "$dir"/. "$fs"/
  chown --reference="$dir" "$fs"; chmod --reference="$dir" "$fs"
  find "$dir" -mindepth 1 -delete
else
  mkdir -p "$dir"
fi`;

export function varPartitionsStage(disk: DiskLayout, stateroot: string): Stage | undefined {
  const var_ = `${PATHS.target}/ostree/deploy/${stateroot}/var`;
  const mounted = disk.partitions
    .filter((p) => p.role === 'extra' && p.filesystem?.mountpoint)
    .sort((a, b) => (a.filesystem?.mountpoint as string).split('/').length - (b.filesystem?.mountpoint as string).split('/').length);
  if (mounted.length === 0) return undefined;
  const steps = mounted.flatMap((p): Step[] => {
    const temporary = `${PATHS.files}/${p.device}`;
    const destination = `${var_}${(p.filesystem?.mountpoint as string).slice('/var'.length)}`;
    return [
      { kind: 'mount', source: device(p.device), target: temporary },
      { kind: 'exec', in: 'builder', argv: ['sh', '-c', MOVE_INTO, 'move-into', destination, temporary] },
      { kind: 'unmount', target: temporary },
      { kind: 'mount', source: device(p.device), target: destination },
    ];
  });
  return { title: 'Mount the /var partitions', lanes: [steps] };
}
