// The `inspect` report: what the builder found in an image and whether it can build it.
// Pure: facts and verdict in, text out.
import { EXIT_CODES, type ErrorId } from '../errors.js';
import type { ImageFacts } from '../image/facts.js';
import { transportRef } from '../image/transport.js';
import { chooseInstaller, installsGrubFromImage } from '../plan/installer.js';

export type Verdict = { buildable: true } | { buildable: false; error: ErrorId; exitCode: number; message: string };

export function verdictOf(error: unknown): Verdict {
  const e = error as { id?: ErrorId; message?: string };
  const id = e.id ?? 'internal';
  return { buildable: false, error: id, exitCode: EXIT_CODES[id], message: e.message ?? String(error) };
}

const yes = (b: boolean) => (b ? 'yes' : 'no');

export function renderInspect(facts: ImageFacts, verdict: Verdict): string {
  const { tools, layout } = facts;
  const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;
  const labels = Object.entries(facts.labels).filter(([k]) => /bootc|ostree/.test(k));
  const rows: [string, string][] = [
    ['Image', `${facts.ref}${facts.name && facts.name !== facts.ref ? ` (${facts.name})` : ''}`],
    ['Source', `${facts.source.kind === 'local' ? 'local storage' : transportRef(facts.source)}; read from ${facts.storage.root}`],
    ['ID', `${facts.id.slice(0, 12)}${facts.digest ? `  digest ${facts.digest}` : ''}`],
    ['OS', facts.osRelease.PRETTY_NAME ?? facts.osRelease.ID ?? 'unknown'],
    ['Architecture', facts.arch],
    ['Size', mib(facts.sizeBytes)],
    ['bootc labels', labels.length > 0 ? labels.map(([k, v]) => `${k}=${v}`).join(' ') : 'none'],
  ];
  for (const k of facts.kernels) {
    rows.push(['Kernel', `${k.version} (vmlinuz: ${yes(k.vmlinuz)}, initramfs: ${yes(k.initramfs)})`]);
    const i = k.initramfsContents;
    if (!i) continue;
    const modules = Object.entries(i.kernelModules).map(([m, s]) => `${m}:${s}`).join(' ');
    rows.push(
      ['Initramfs', `${i.compression}; ostree-prepare-root: ${yes(i.ostreePrepareRoot)}; prepare-root.conf: ${yes(i.prepareRootConf)}; composefs: ${yes(i.composefs)}`],
      ['  dracut', i.dracutModules.length > 0 ? i.dracutModules.join(' ') : '(no module list)'],
      ['  modules', modules],
    );
  }
  if (facts.kernels.length === 0) rows.push(['Kernel', 'none under /usr/lib/modules']);
  rows.push(
    ['ostree', `${yes(tools.ostree)}${facts.ostreeVersion ? ` (${facts.ostreeVersion})` : ''}; sysroot readonly: ${yes(facts.prepareRoot.sysrootReadonly)}; composefs: ${facts.prepareRoot.composefs ?? 'not set'}`],
    ['Layout', `/sysroot: ${yes(layout.sysrootDir)}; /ostree -> ${layout.ostreeLink ?? '(not a symlink)'}; /var: ${yes(layout.varDir)}; /usr/etc: ${yes(layout.usrEtc)}`],
    ['BIOS boot', tools.grubInstall && tools.grubBiosModules ? 'GRUB (grub-install, i386-pc)' : 'no (needs grub-pc-bin)'],
    ['UEFI boot', tools.shim && tools.grubEfiSigned ? `shim + signed GRUB${tools.shimMokManager ? ' + MokManager' : ''}` : tools.grubMkimage && tools.grubEfiModules ? 'GRUB (unsigned)' : 'no'],
    ['Boot menu', bootMenuOf(facts)],
    ['bootc', `${yes(tools.bootc)}; skopeo (bootc reads the image with it): ${yes(tools.skopeo)}; podman (bootc makes the image store with it): ${yes(tools.podman)}; systemd-boot: ${yes(tools.systemdBoot)}`],
    ['bootupd', `${yes(tools.bootupctl)}; payload: ${tools.bootupdUpdates ? '/usr/lib/bootupd/updates' : tools.efiPayload ? '/usr/lib/efi' : 'none'}`],
    ['Installer', installerOf(facts)],
    ['Root fs', facts.rootfsType ? `${facts.rootfsType} (${facts.rootfsTypeFrom})` : 'not set (ext4)'],
    ['Kernel args', facts.kargs.length > 0 ? facts.kargs.join(' ') : 'none from the image'],
    ['Verdict', verdict.buildable ? 'can be built' : `cannot be built (exit ${verdict.exitCode}): ${verdict.message}`],
  );
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

/** Who keeps the GRUB menu of a build with the installer it would choose. */
function bootMenuOf(facts: ImageFacts): string {
  const installer = chooseInstaller(facts, 'auto');
  if (installsGrubFromImage(installer)) return "written from ostree's boot entries, and again by ostree on every update (GRUB installed by this builder)";
  return installer.kind === 'bootc' && installer.backend === 'composefs' ? "systemd-boot's, installed by bootc" : "bootupd's, installed by bootupd";
}

/** The installer a build would choose (auto), and why. */
function installerOf(facts: ImageFacts): string {
  const installer = chooseInstaller(facts, 'auto');
  return `${installer.kind}: ${installer.reason}`;
}
