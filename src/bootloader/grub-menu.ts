// The GRUB menu of a built system, made from ostree's boot entries (Boot Loader
// Specification files). Debian's GRUB cannot read those itself: 2.12 has no blscfg, and the
// signed 2.14 (the one shim loads) has none built in. grub-mkconfig, which ostree's grub2
// backend runs by default, stops where composefs hides the root device from grub-probe, so
// staged deployments would never reach the menu. This generator replaces it: a POSIX shell
// script installed in the system's /etc and named by OSTREE_GRUB2_EXEC, which ostree runs as
// `SCRIPT -o /boot/loader.N/grub.cfg` before it switches to the new boot entries (deploy,
// rollback, and staged deployments finalized at shutdown). The build runs the same script
// for the first menu, so there is one menu writer for GRUB 2.12 and 2.14, composefs on or off.

export interface GrubMenuOptions {
  bootUuid: string;
  serial: boolean;
  timeoutSeconds: number;
}

/** Where the generator lives in the built system, and how ostree is told to use it. */
export const GRUB_MENU_GENERATOR = '/etc/deb-bootc-image-builder/grub-menu';
export const GRUB_MENU_ENV = `OSTREE_GRUB2_EXEC=${GRUB_MENU_GENERATOR}`;

/** systemd passes it to every service (ostree-finalize-staged, bootc's update timer, ...). */
export const SYSTEMD_ENVIRONMENT = `# ostree writes the GRUB menu with ${GRUB_MENU_GENERATOR} (see there)
[Manager]
DefaultEnvironment=${GRUB_MENU_ENV}
`;

/** pam_env passes it to logins, ssh and sudo sessions (bootc rollback, ostree admin deploy). */
export const LOGIN_ENVIRONMENT = `${GRUB_MENU_ENV}\n`;

export function grubMenuGenerator(options: GrubMenuOptions): string {
  if (!/^[0-9a-fA-F-]+$/.test(options.bootUuid)) throw new Error(`not a filesystem UUID: ${options.bootUuid}`);
  return `#!/bin/sh
# The GRUB menu of this system, made from ostree's boot entries in /boot/loader.N/entries.
# Debian's GRUB cannot read those itself, and grub-mkconfig cannot probe a composefs root, so
# ostree's grub2 backend runs this instead (OSTREE_GRUB2_EXEC, set in
# /etc/systemd/system.conf.d and /etc/environment) whenever it writes boot entries: deploy,
# rollback, and staged updates finalized at shutdown. Written by deb-bootc-image-builder.
set -eu
if [ "$#" -ne 2 ] || [ "$1" != -o ]; then echo "usage: $0 -o OUTPUT" >&2; exit 2; fi
out=$2
entries=$(dirname "$out")/entries
boot_uuid=${options.bootUuid}
serial=${options.serial ? 'yes' : 'no'}
timeout=${Math.trunc(options.timeoutSeconds)}

# the values of KEY in a BLS file, one a line
values() { sed -n "s/^$1[[:space:]]\\{1,\\}//p" "$2" | sed 's/[[:space:]]*$//'; }
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\\\\\''/g")"; }

# newest deployment (highest version) first: the default
sorted=$(for f in "$entries"/*.conf; do
  [ -f "$f" ] || continue
  printf '%s\\t%s\\n' "$(values version "$f" | head -n 1)" "$f"
done | sort -t "$(printf '\\t')" -k1,1nr | cut -f2-)
if [ -z "$sorted" ]; then echo "$0: no boot entries in $entries" >&2; exit 1; fi
trap 'rm -f "$out.new"' EXIT

{
  echo "# Written by $0 from $entries"
  echo "set timeout=$timeout"
  echo 'set default=0'
  if [ "$serial" = yes ]; then
    echo 'serial --unit=0 --speed=115200'
    echo 'terminal_input serial console'
    echo 'terminal_output serial console'
  fi
  echo 'insmod part_gpt'
  echo 'insmod ext2'
  echo "search --no-floppy --fs-uuid --set=root $boot_uuid"
  index=0
  echo "$sorted" | while IFS= read -r f; do
    title=$(values title "$f" | head -n 1)
    linux=$(values linux "$f" | head -n 1)
    options=$(values options "$f" | head -n 1)
    initrd=$(values initrd "$f" | tr '\\n' ' ' | sed 's/ $//')
    if [ -z "$linux" ]; then echo "$0: $f has no linux line" >&2; exit 1; fi
    echo
    echo "menuentry $(quote "\${title:-ostree}") --id ostree-$index {"
    echo "  linux $linux\${options:+ $options}"
    if [ -n "$initrd" ]; then echo "  initrd $initrd"; fi
    echo '}'
    index=$((index + 1))
  done
} > "$out.new"
mv -f "$out.new" "$out"
`;
}
