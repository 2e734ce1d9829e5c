// GRUB for BIOS and UEFI from the image's own GRUB files. Debian's GRUB cannot read ostree's
// BLS entries, so the menu is generated from them into /boot/loader/grub.cfg, by the
// generator ostree's grub2 backend also runs on updates (bootloader/grub-menu.ts).
import { GRUB_MENU_GENERATOR, LOGIN_ENVIRONMENT, SYSTEMD_ENVIRONMENT, grubMenuGenerator } from '../bootloader/grub-menu.js';
import type { ImageFacts } from '../image/facts.js';
import { TOOL_PATHS } from '../image/tool-paths.js';
import { usesSerialConsole } from './kargs.js';
import { partition } from './partitions.js';
import { PATHS, device, etcFile } from './paths.js';
import type { DiskLayout, Plan, Stage, Step } from './types.js';

const { shim: SHIM, shimMokManager: MOK_MANAGER, grubEfiSigned: SIGNED_GRUB } = TOOL_PATHS;
/** Debian's signed GRUB reads its configuration from this directory of the ESP. */
const EFI_VENDOR_DIR = '/EFI/debian';

/** Modules built into an unsigned GRUB EFI image (images without grub-efi-amd64-signed). */
const EFI_MODULES = [
  'part_gpt', 'fat', 'ext2', 'normal', 'configfile', 'search', 'search_fs_uuid',
  'linux', 'gzio', 'echo', 'test', 'all_video', 'serial', 'terminal',
];

export function planBootloader(facts: ImageFacts): Plan['bootloader'] {
  const { tools } = facts;
  const bios = tools.grubInstall && tools.grubBiosModules;
  const uefi = tools.shim && tools.grubEfiSigned ? 'shim' : tools.grubMkimage && tools.grubEfiModules ? 'grub' : false;
  return { bios, uefi };
}

export interface BootloaderInput {
  facts: ImageFacts;
  disk: DiskLayout;
  bootloader: Plan['bootloader'];
  kargs: string[];
  stateroot: string;
}

export function bootloaderStage(input: BootloaderInput): Stage {
  const bootFs = partition(input.disk, 'boot')?.filesystem;
  if (!bootFs) throw new Error('layout without a /boot filesystem');
  const bootUuid = bootFs.uuid;
  const menu: Step[] = [
    ...(input.bootloader.bios
      ? [exec('image', 'grub-install', '--target=i386-pc', `--boot-directory=${PATHS.boot}`, '--modules=part_gpt ext2', device('disk'))]
      : []),
    ...menuSteps(input, bootUuid),
  ];
  const lanes = [menu];
  if (input.bootloader.uefi) lanes.push(espSteps(input, bootUuid));
  return { title: 'Install the bootloader (GRUB for BIOS and UEFI)', lanes };
}

/**
 * The menu: written now by the generator the system keeps for ostree to run on every change
 * of its boot entries, read by GRUB as /boot/grub/grub.cfg, a link to the current loader
 * directory's menu (which ostree switches atomically with the entries).
 */
function menuSteps(input: BootloaderInput, bootUuid: string): Step[] {
  const generator = grubMenuGenerator({ bootUuid, serial: usesSerialConsole(input.kargs), timeoutSeconds: 1 });
  const etc = (path: string, content: string, options = {}) => etcFile(input.stateroot, path, content, options);
  return [
    { kind: 'write-file', path: `${PATHS.files}/grub-menu`, content: generator, mode: 0o755 },
    exec('image', 'sh', `${PATHS.files}/grub-menu`, '-o', `${PATHS.boot}/loader/grub.cfg`),
    { kind: 'mkdir', path: `${PATHS.boot}/grub`, mode: 0o755 },
    { kind: 'symlink', path: `${PATHS.boot}/grub/grub.cfg`, target: '../loader/grub.cfg' },
    etc(GRUB_MENU_GENERATOR.slice('/etc/'.length), generator, { mode: 0o755 }),
    etc('systemd/system.conf.d/50-deb-bootc-image-builder-grub-menu.conf', SYSTEMD_ENVIRONMENT),
    etc('environment', LOGIN_ENVIRONMENT, { append: true }),
  ];
}

/** The ESP is written with mtools: no vfat mount needed (nor available everywhere). */
function espSteps({ facts, bootloader }: BootloaderInput, bootUuid: string): Step[] {
  const esp = device('esp');
  const stub = `${PATHS.files}/esp-grub.cfg`;
  const mtools = { MTOOLS_SKIP_CHECK: '1' };
  const copy = (from: string, to: string): Step => ({ kind: 'exec', in: 'builder', argv: ['mcopy', '-o', '-i', esp, from, `::${to}`], env: mtools });
  const steps: Step[] = [
    { kind: 'write-file', path: stub, content: espGrubConfig(bootUuid) },
    { kind: 'exec', in: 'builder', argv: ['mmd', '-i', esp, '::/EFI', '::/EFI/BOOT', `::${EFI_VENDOR_DIR}`], env: mtools },
  ];
  if (bootloader.uefi === 'shim') {
    // the files where they really are: the host would resolve the image's absolute links
    // (an image may ship them as links, e.g. to an alternatives entry) against its own root
    const src = (path: string) => `${PATHS.source}${path}`;
    const { shim = SHIM, grubEfiSigned = SIGNED_GRUB, shimMokManager = MOK_MANAGER } = facts.bootFiles;
    steps.push(
      copy(src(shim), '/EFI/BOOT/BOOTX64.EFI'),
      copy(src(grubEfiSigned), '/EFI/BOOT/grubx64.efi'),
      copy(src(shim), `${EFI_VENDOR_DIR}/shimx64.efi`),
      copy(src(grubEfiSigned), `${EFI_VENDOR_DIR}/grubx64.efi`),
    );
    if (facts.tools.shimMokManager) {
      steps.push(copy(src(shimMokManager), '/EFI/BOOT/mmx64.efi'), copy(src(shimMokManager), `${EFI_VENDOR_DIR}/mmx64.efi`));
    }
  } else {
    const grubEfi = `${PATHS.files}/grubx64.efi`;
    steps.push(
      exec('image', 'grub-mkimage', '--format=x86_64-efi', `--output=${grubEfi}`, `--prefix=${EFI_VENDOR_DIR}`, ...EFI_MODULES),
      copy(grubEfi, '/EFI/BOOT/BOOTX64.EFI'),
      copy(grubEfi, `${EFI_VENDOR_DIR}/grubx64.efi`),
    );
  }
  steps.push(copy(stub, `${EFI_VENDOR_DIR}/grub.cfg`), copy(stub, '/EFI/BOOT/grub.cfg'));
  return steps;
}

/** The ESP's grub.cfg only finds /boot and hands over to the real menu there. */
export function espGrubConfig(bootUuid: string): string {
  return [
    `search --no-floppy --fs-uuid --set=root ${bootUuid}`,
    'set prefix=($root)/grub',
    'configfile $prefix/grub.cfg',
    '',
  ].join('\n');
}

function exec(where: 'image' | 'builder', ...argv: string[]): Step {
  return { kind: 'exec', in: where, argv };
}
