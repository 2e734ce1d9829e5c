// Stages that turn the mounted image into an ostree deployment on the new root filesystem,
// using the image's own ostree (what bootc install does, for images that lack bootc).
import type { ImageFacts, OstreeExtSource } from '../image/facts.js';
import { blobRef } from './ostree-ref.js';
import { buildMountOptions, filesystems, partition, rootFilesystem } from './partitions.js';
import { PATHS, device, etcFile, repo } from './paths.js';
import type { DiskLayout, Filesystem, Plan, Stage, Step } from './types.js';

/** ostree copies the commit's /var into an empty stateroot /var since 2024.3. */
const OSTREE_INITIAL_VAR = [2024, 3];

export interface DeploymentInput {
  facts: ImageFacts;
  disk: DiskLayout;
  deployment: Plan['deployment'];
}

const image = (...argv: string[]): Step => ({ kind: 'exec', in: 'image', argv });

/**
 * The sysroot as bootc's install makes it (install.rs initialize_ostree_root): init-fs, the
 * stateroot, and its repository settings (DEFAULT_REPO_CONFIG: no bootloader backend while
 * installing, read-only sysroot).
 */
export function sysrootStage({ disk, deployment }: DeploymentInput): Stage {
  const boot = partition(disk, 'boot');
  const root = rootFilesystem(disk);
  if (!boot?.filesystem) throw new Error('layout without /boot');
  return {
    title: 'Prepare the ostree sysroot',
    lanes: [
      [
        ...mountRoot(root.filesystem, root.device),
        image('ostree', 'admin', 'init-fs', '--modern', PATHS.target),
        { kind: 'mount', source: device('boot'), target: PATHS.boot },
        { kind: 'mkdir', path: `${PATHS.boot}/efi`, mode: 0o755 },
        image('ostree', 'admin', 'os-init', `--sysroot=${PATHS.target}`, deployment.stateroot),
        image('ostree', 'config', `--repo=${repo}`, 'set', 'sysroot.bootloader', 'none'),
        image('ostree', 'config', `--repo=${repo}`, 'set', 'sysroot.readonly', 'true'),
      ],
    ],
  };
}

/** The root filesystem at PATHS.target; on btrfs, its subvolumes made first and the "/" one
 * mounted (the kernel gets rootflags=subvol=NAME). */
export function mountRoot(fs: Filesystem, dev: string): Step[] {
  const rootSubvolume = fs.subvolumes?.find((v) => v.mountpoint === '/');
  if (!fs.subvolumes || !rootSubvolume) return [{ kind: 'mount', source: device(dev), target: PATHS.target, ...buildMountOptions(fs) }];
  const top = `${PATHS.files}/btrfs-top`;
  return [
    { kind: 'mount', source: device('root'), target: top },
    { kind: 'exec', in: 'builder', argv: ['btrfs', '-q', 'subvolume', 'create', ...fs.subvolumes.map((v) => `${top}/${v.name}`)] },
    { kind: 'unmount', target: top },
    { kind: 'mount', source: device('root'), target: PATHS.target, options: [`subvol=${rootSubvolume.name}`] },
  ];
}

/**
 * Directories left out of the image tree: /etc (committed as /usr/etc) and the non-empty
 * runtime-only directories (committed empty). Skipped whole, because ostree refuses device
 * nodes and sockets before it looks at the skip list.
 */
export function commitSkipList(facts: ImageFacts): string[] {
  return ['/etc', ...Object.keys(facts.layout.transient).map((dir) => `/${dir}`)];
}

/** Temporary ref of the image tree without /etc and runtime directories. */
export const IMAGE_TREE_REF = 'deb-bootc-image-builder/image-tree';

/**
 * Two commits, so the skip list never applies to the staged tree: the image tree minus the
 * skipped directories, then that tree with the staged usr/etc and empty runtime
 * directories on top. The second reads the first by reference and rewrites only the
 * directories it touches; the temporary ref is deleted so deploy prunes what is left of it.
 */
export function commitStages(input: DeploymentInput): Stage[] {
  return input.facts.ostreeExt ? layeredCommitStages(input, input.facts.ostreeExt) : [treeCommitStage(input)];
}

/** Layer commits run side by side: LANES lanes, the biggest layers spread first. */
const LANES = 2;

function balance<T extends { size: number }>(items: T[], lanes: number): T[][] {
  const out: { total: number; items: T[] }[] = Array.from({ length: Math.min(lanes, items.length) }, () => ({ total: 0, items: [] }));
  for (const item of [...items].sort((a, b) => b.size - a.size)) {
    const lane = out.reduce((least, l) => (l.total < least.total ? l : least));
    lane.items.push(item);
    lane.total += item.size;
  }
  return out.map((l) => l.items);
}

/** Marks the commits this builder writes, where ostree-ext writes its own version. */
export const IMPORTER = 'deb-bootc-image-builder';

/**
 * The image as bootc's ostree-ext stores it, so that bootc (in the image, or arriving with
 * an update) recognises the deployment: one commit per layer under
 * ostree/container/blob/<digest>, then the layers checked out on top of each other
 * (whiteouts applied, files hard-linked from the repository) and committed as the image
 * under ostree/container/image/<ref>, with the manifest, its digest and the config.
 */
function layeredCommitStages({ facts, deployment }: DeploymentInput, source: OstreeExtSource): Stage[] {
  const merge = `${PATHS.target}/ostree/deb-bootc-image-builder.merge`;
  const retainVar = ostreeSeedsVar(facts.ostreeVersion);
  const refs = source.layers.map((l) => blobRef(l.digest));
  const layerCommits = source.layers.map((layer, i) => ({
    size: layer.size,
    kind: 'commit-layer' as const,
    argv: [
      'ostree', `--repo=${repo}`, 'commit', `--branch=${refs[i]}`, `--tree=tar=${PATHS.files}/layer-${i}.tar`, '--tar-autocreate-parents',
      '--no-bindings', '--fsync=false', `--add-metadata-string=ostree.importer.version=${IMPORTER}`,
    ],
    tar: `${PATHS.files}/layer-${i}.tar`,
    tarSplit: layer.tarSplit,
    dir: layer.dir,
    retainVar,
  }));
  const metadata = [
    `ostree.manifest-digest=${source.manifestDigest}`,
    `ostree.manifest=${source.manifest}`,
    `ostree.container.image-config=${source.config}`,
    `ostree.importer.version=${IMPORTER}`,
    ...(facts.labels['org.opencontainers.image.version'] ? [`version=${facts.labels['org.opencontainers.image.version']}`] : []),
  ];
  const lanes = balance(layerCommits, LANES).map((lane) => lane.map(({ size: _, ...step }): Step => step));
  const assemble: Step[] = [
    ...refs.map((ref, i) => image('ostree', `--repo=${repo}`, 'checkout', '--whiteouts', ...(i > 0 ? ['--union'] : []), ref, merge)),
    // ostree-ext drops the empty placeholders container builds leave behind
    { kind: 'exec', in: 'builder', argv: ['sh', '-c', EMPTY_PLACEHOLDERS, 'drop-placeholders', merge] },
    image(
      'ostree', `--repo=${repo}`, 'commit',
      `--branch=${deployment.ostreeRef}`,
      `--tree=dir=${merge}`,
      '--link-checkout-speedup',
      '--no-bindings',
      '--bootable',
      '--fsync=false',
      ...(source.created ? [`--timestamp=@${source.created}`] : []),
      `--subject=${facts.osRelease.PRETTY_NAME ?? 'image'} from ${facts.ref}`,
      ...metadata.map((m) => `--add-metadata-string=${m}`),
    ),
    { kind: 'exec', in: 'builder', argv: ['rm', '-rf', '--one-file-system', merge] },
  ];
  return [
    { title: 'Commit the image layers into the ostree repository', lanes, measured: { task: 'layers', bytes: source.layers.reduce((n, l) => n + l.size, 0) } },
    { title: 'Commit the image from its layers', lanes: [assemble] },
  ];
}

// (only files reached through no link at all: the checkout is the image's, its links untrusted)
const EMPTY_PLACEHOLDERS = `for f in "$1/usr/etc/hostname" "$1/usr/etc/resolv.conf"; do
  if [ "$(realpath -m -- "$f")" = "$f" ] && [ -f "$f" ] && [ ! -s "$f" ]; then rm -f "$f"; fi
done`;

/** Images whose storage lacks layer tar-splits or a manifest: the image tree as one commit,
 * under a ref of this builder's own (plan.deployment.ostreeRef), since bootc takes every ref
 * under ostree/container/image/ for an image with a manifest (status, upgrade and gc fail). */
function treeCommitStage({ facts, deployment }: DeploymentInput): Stage {
  const skipList = `${PATHS.files}/commit-skip-list`;
  const { mode, uid, gid } = facts.layout.usr;
  const subject = `${facts.osRelease.PRETTY_NAME ?? 'image'} from ${facts.ref}`;
  const metadata = [
    ...(facts.labels['org.opencontainers.image.version'] ? [`--add-metadata-string=version=${facts.labels['org.opencontainers.image.version']}`] : []),
  ];
  return {
    title: 'Commit the image into the ostree repository',
    fill: { task: 'image tree', path: PATHS.target, bytes: facts.sizeBytes },
    lanes: [
      [
        { kind: 'write-file', path: skipList, content: `${commitSkipList(facts).join('\n')}\n` },
        // /etc goes in as /usr/etc without copying it (a bind mount on a staged usr/etc);
        // skipped runtime directories go in empty, with the image's modes.
        { kind: 'mkdir', path: `${PATHS.stage}/usr`, mode, uid, gid },
        { kind: 'mkdir', path: `${PATHS.stage}/usr/etc`, mode: 0o755 },
        ...Object.entries(facts.layout.transient).map(([dir, m]): Step => ({ kind: 'mkdir', path: `${PATHS.stage}/${dir}`, ...m })),
        { kind: 'mount', source: `${PATHS.source}/etc`, target: `${PATHS.stage}/usr/etc`, options: ['bind', 'ro'] },
        image(
          'ostree', `--repo=${repo}`, 'commit',
          `--branch=${IMAGE_TREE_REF}`,
          `--tree=dir=${PATHS.source}`,
          `--skip-list=${skipList}`,
          '--no-bindings',
          '--fsync=false',
          `--subject=${subject} (without /etc)`,
        ),
        image(
          'ostree', `--repo=${repo}`, 'commit',
          `--branch=${deployment.ostreeRef}`,
          `--tree=ref=${IMAGE_TREE_REF}`,
          `--tree=dir=${PATHS.stage}`,
          '--no-bindings',
          '--bootable',
          '--fsync=false',
          `--subject=${subject}`,
          ...metadata,
        ),
        image('ostree', `--repo=${repo}`, 'refs', '--delete', IMAGE_TREE_REF),
      ],
    ],
  };
}

export function deployStage({ facts, disk, deployment }: DeploymentInput): Stage {
  const origin = `${PATHS.files}/origin`;
  const { stateroot } = deployment;
  const steps: Step[] = [
    { kind: 'write-file', path: origin, content: deployment.origin },
    // /boot synced, not frozen: a build killed while it was frozen would leave it frozen
    {
      kind: 'exec',
      in: 'image',
      noFreeze: true,
      argv: [
        'ostree', 'admin', 'deploy',
        `--sysroot=${PATHS.target}`,
        `--os=${stateroot}`,
        `--origin-file=${origin}`,
        ...deployment.kargs.map((k) => `--karg-append=${k}`),
        deployment.ostreeRef,
      ],
    },
    etcFile(stateroot, 'fstab', fstab(disk)),
  ];
  if (deployment.varSeed === 'builder') {
    steps.push({
      kind: 'exec',
      in: 'builder',
      argv: ['cp', '-a', '--reflink=auto', `${PATHS.source}/var/.`, `${PATHS.target}/ostree/deploy/${stateroot}/var/`],
    });
  }
  return { title: `Deploy ${facts.ref}`, lanes: [steps] };
}

/** Mounts of the deployed system besides / (which ostree's initramfs mounts), parents first;
 * `except` leaves out mountpoints someone else (bootc: /boot) already wrote. */
export function fstab(disk: DiskLayout, except: string[] = []): string {
  const lines = [except.length > 0 ? '# Added by deb-bootc-image-builder' : '# Created by deb-bootc-image-builder'];
  const entries = filesystems(disk).flatMap(({ filesystem: fs }): { fs: Filesystem; mountpoint?: string; options?: string }[] => {
    if (fs.subvolumes) return fs.subvolumes.filter((v) => v.mountpoint !== '/').map((v) => ({ fs, mountpoint: v.mountpoint, options: `subvol=${v.name}` }));
    return fs.mountpoint === '/' ? [] : [{ fs, mountpoint: fs.mountpoint }];
  });
  const depth = (m?: string) => (m ? m.split('/').length : 0);
  const kept = entries.filter((e) => !(e.mountpoint && except.includes(e.mountpoint)));
  for (const { fs, mountpoint, options } of kept.sort((a, b) => depth(a.mountpoint) - depth(b.mountpoint))) {
    if (fs.type === 'swap') {
      lines.push(`UUID=${fs.uuid} none swap defaults 0 0`);
      continue;
    }
    const defaults = fs.type === 'vfat' && mountpoint === '/boot/efi' ? 'umask=0077,shortname=winnt' : 'defaults';
    // fsck at boot only where the image surely has the checker (e2fsck; dosfstools for the ESP)
    const pass = fs.type === 'ext4' || mountpoint === '/boot/efi' ? 2 : 0;
    lines.push(`UUID=${fs.uuid} ${mountpoint} ${fs.type} ${options ?? defaults} 0 ${pass}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Does the image's ostree seed /var from the commit by itself? An image whose version is
 * unknown (no dpkg database, no version string in /usr/bin/ostree) is a recent one: those ship
 * an empty /var, which is what bootc asks for. */
export function ostreeSeedsVar(ostreeVersion: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)/.exec(ostreeVersion ?? '');
  if (!m) return true;
  const [year, release] = [Number(m[1]), Number(m[2])];
  const [y, r] = OSTREE_INITIAL_VAR as [number, number];
  return year > y || (year === y && release >= r);
}
