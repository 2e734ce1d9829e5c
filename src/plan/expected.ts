// What a booted disk of this plan must show, for `verify`: every filesystem of the layout
// mounted where the plan puts it (swap aside), and the config's users present.
import type { Customizations } from '../config/customizations.js';
import { filesystems } from './partitions.js';
import type { DiskLayout, Plan } from './types.js';

export function expectedSystem(disk: DiskLayout, custom: Customizations): Plan['expected'] {
  const mounts = filesystems(disk).flatMap(({ filesystem: fs }) => (fs.subvolumes ? fs.subvolumes.map((v) => v.mountpoint) : fs.mountpoint ? [fs.mountpoint] : []));
  const depth = (m: string) => (m === '/' ? 0 : m.split('/').length);
  return { mounts: [...new Set(mounts)].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b)), users: custom.users.map((u) => u.name) };
}
