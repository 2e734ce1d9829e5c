// grub.cfg from ostree's Boot Loader Specification entries, for GRUBs without `blscfg`
// (Debian's 2.12). Pure: entry texts in, configuration text out.

export interface BlsEntry {
  title: string;
  version: number;
  linux: string;
  initrd: string[];
  options: string;
}

/** Parses one /boot/loader/entries/*.conf file (BLS type #1). */
export function parseBlsEntry(text: string): BlsEntry {
  const fields = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)\s+(.*)$/.exec(line.trim());
    if (!m || line.trim().startsWith('#')) continue;
    const values = fields.get(m[1] as string) ?? [];
    values.push((m[2] as string).trim());
    fields.set(m[1] as string, values);
  }
  const one = (key: string) => fields.get(key)?.[0];
  const linux = one('linux');
  if (!linux) throw new Error('boot entry without a "linux" line');
  return {
    title: one('title') ?? 'ostree',
    version: Number(one('version') ?? 0),
    linux,
    initrd: fields.get('initrd') ?? [],
    options: one('options') ?? '',
  };
}

export interface GrubMenuOptions {
  bootUuid: string;
  /** GRUB module for the /boot filesystem: ext2 (ext2/3/4) or xfs */
  fsModule: string;
  serial: boolean;
  timeoutSeconds: number;
}

/** Newest deployment (highest BLS version) first, and the default. */
export function renderGrubMenu(entries: BlsEntry[], options: GrubMenuOptions): string {
  const sorted = [...entries].sort((a, b) => b.version - a.version);
  const lines = [
    '# Written by deb-bootc-image-builder from /boot/loader/entries.',
    '# On updates, ostree regenerates it (grub-mkconfig with /etc/grub.d/15_ostree).',
    `set timeout=${options.timeoutSeconds}`,
    'set default=0',
  ];
  if (options.serial) {
    lines.push('serial --unit=0 --speed=115200', 'terminal_input serial console', 'terminal_output serial console');
  }
  lines.push('insmod part_gpt', `insmod ${options.fsModule}`, `search --no-floppy --fs-uuid --set=root ${options.bootUuid}`);
  sorted.forEach((entry, index) => {
    lines.push(
      '',
      `menuentry ${grubQuote(entry.title)} --id ostree-${index} {`,
      `  linux ${entry.linux} ${entry.options}`.trimEnd(),
      ...(entry.initrd.length > 0 ? [`  initrd ${entry.initrd.join(' ')}`] : []),
      '}',
    );
  });
  return `${lines.join('\n')}\n`;
}

function grubQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
