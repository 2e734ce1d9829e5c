// Customizations applied to the deployment with the image's own tools (useradd, chpasswd,
// systemctl...), run chrooted into the deployment with its stateroot /var: they change
// /etc and /var exactly as a booted system would, and survive updates as local changes.
// Everything is checked against the image first; secrets appear only as placeholders.
import type { Customizations, NodeSpec, UserSpec } from '../config/customizations.js';
import { fileSecret, keySecret, passwordSecret, secretRef } from '../config/secrets.js';
import { ConfigError, formatPath, type KeyPath } from '../config/source.js';
import type { ImageFacts } from '../image/facts.js';
import { normalizeLocale } from '../image/system.js';
import { PATHS, etcFile } from './paths.js';
import type { Stage, Step } from './types.js';

const UNIT_DIRS = ['/usr/lib/systemd/system', '/etc/systemd/system', '/lib/systemd/system'];
const TIMESYNCD = '/usr/lib/systemd/systemd-timesyncd';
const DEFAULT_SHELL = '/bin/bash';
/** console-setup applies /etc/default/keyboard to the console at boot (Debian, Ubuntu) */
const SETUPCON = '/usr/bin/setupcon';

/** Paths whose existence in the image the checks below need (inspect answers them). */
export function customizationProbes(c: Customizations): string[] {
  const units = [...c.services.enabled, ...c.services.disabled].flatMap((u) => UNIT_DIRS.map((d) => `${d}/${u}`));
  return [
    ...(c.timezone?.zone ? [`/usr/share/zoneinfo/${c.timezone.zone}`] : []),
    ...(c.timezone?.ntpServers.length ? [TIMESYNCD] : []),
    ...(c.locale?.keyboard ? [SETUPCON] : []),
    ...c.users.flatMap((u) => (u.shell ? [u.shell] : [])),
    DEFAULT_SHELL,
    ...units,
  ];
}

const AUTHORIZED_KEYS = `set -e
user=$1
home=$(getent passwd "$user" | cut -d: -f6)
group=$(id -gn "$user")
install -d -m 0700 -o "$user" -g "$group" "$home/.ssh"
umask 077
cat > "$home/.ssh/authorized_keys"
chown "$user:$group" "$home/.ssh/authorized_keys"
chmod 0600 "$home/.ssh/authorized_keys"`;

// (run chrooted, so links resolve inside the deployment; a directory reached through a link
// that does not lead anywhere yet, like /opt -> var/opt on a fresh /var, is made where it leads)
const FILE = `set -e
path=$1; mode=$2; owner=$3; group=$4
path="$(realpath -m -- "$(dirname -- "$path")")/$(basename -- "$path")"
mkdir -p "$(dirname "$path")"
umask 077
cat > "$path.deb-bootc-image-builder"
chown "$owner:$group" "$path.deb-bootc-image-builder"
chmod "$mode" "$path.deb-bootc-image-builder"
mv -f "$path.deb-bootc-image-builder" "$path"`;

const DIRECTORY = `set -e
path=$1; mode=$2; owner=$3; group=$4; parents=$5
path=$(realpath -m -- "$path")
if [ "$parents" != yes ] && [ ! -d "$(dirname "$path")" ]; then
  echo "$(dirname "$path") does not exist (set ensure_parents = true to create it)" >&2; exit 1
fi
install -d -m "$mode" -o "$owner" -g "$group" "$path"`;

interface Work {
  steps: Step[];
  warnings: string[];
}

export function customizeStage(c: Customizations, facts: ImageFacts, stateroot: string): { stage?: Stage; warnings: string[] } {
  const work: Work = { steps: [], warnings: [] };
  const run = (argv: string[], stdin?: string) => work.steps.push({ kind: 'exec', in: 'deployment', argv, ...(stdin === undefined ? {} : { stdin }) });
  const etc = (path: string, content: string) => work.steps.push(etcFile(stateroot, path, content));

  const known = accounts(c, facts, work, run);
  for (const [i, f] of c.files.entries()) {
    checkOwner(f, known);
    run(['sh', '-c', FILE, 'file', f.path, octal(f.mode), String(f.user), String(f.group)], secretRef(fileSecret(i)));
  }
  for (const d of c.directories) {
    checkOwner(d, known);
    run(['sh', '-c', DIRECTORY, 'directory', d.path, octal(d.mode), String(d.user), String(d.group), d.ensureParents ? 'yes' : 'no']);
  }
  if (c.hostname) etc('hostname', `${c.hostname}\n`);
  timeSettings(c, facts, run, etc);
  localeSettings(c, facts, etc);
  services(c, facts, run);

  if (work.steps.length === 0) return { warnings: work.warnings };
  const mountDeployment: Step = { kind: 'mount-deployment', sysroot: PATHS.target, stateroot, at: PATHS.deployment };
  return { stage: { title: 'Apply the customizations', lanes: [[mountDeployment, ...varSkeleton(facts), ...work.steps]] }, warnings: work.warnings };
}

/**
 * /var as the booted system has it before anyone logs in: images ship it empty (as bootc
 * asks) and declare its directories in tmpfiles.d, which systemd-tmpfiles-setup creates at
 * boot; /home and /root lead there (/home -> var/home). Created here first, the way the boot
 * does it (create only), so that useradd finds the parent of a home and a key its ~/.ssh.
 */
function varSkeleton(facts: ImageFacts): Step[] {
  if (!facts.tools.systemdTmpfiles) return [];
  return [{ kind: 'exec', in: 'deployment', proc: true, argv: ['systemd-tmpfiles', '--create', '--prefix=/var'] }];
}

/** Groups and users; returns the names that exist afterwards (for file ownership checks). */
function accounts(c: Customizations, facts: ImageFacts, work: Work, run: (argv: string[], stdin?: string) => void) {
  const groups = new Map(facts.system.groups.map((g) => [g.name, g.gid]));
  const gids = new Set(facts.system.groups.map((g) => g.gid));
  for (const g of c.groups) {
    const existing = groups.get(g.name);
    if (existing !== undefined) {
      if (g.gid !== undefined && g.gid !== existing) throw new ConfigError([...g.at, 'gid'], `group ${g.name} already exists in the image with gid ${existing}`);
      continue;
    }
    if (g.gid !== undefined && gids.has(g.gid)) throw new ConfigError([...g.at, 'gid'], `gid ${g.gid} is already used by another group in the image`);
    run(['groupadd', ...(g.gid === undefined ? [] : ['-g', String(g.gid)]), g.name]);
    groups.set(g.name, g.gid ?? -1);
    if (g.gid !== undefined) gids.add(g.gid);
  }
  const users = new Set(facts.system.users.map((u) => u.name));
  for (const u of c.users) {
    checkNewAccount(u, c, facts, users.has(u.name), groups, gids);
    const supplementary = u.groups.map((g, j) => groupFor(g, [...u.at, 'groups', j], groups, u, work));
    if (u.shell && !facts.system.shells.includes(u.shell) && !facts.system.probes[u.shell]) {
      throw new ConfigError([...u.at, 'shell'], `${u.shell} is not a shell in the image (see its /etc/shells)`);
    }
    const details = [
      ...(u.home ? ['-d', u.home] : []),
      ...(u.description !== undefined ? ['-c', u.description] : []),
      ...(u.uid === undefined ? [] : ['-u', String(u.uid)]),
      ...(supplementary.length > 0 ? ['-G', supplementary.join(',')] : []),
    ];
    if (users.has(u.name)) {
      const changes = [...details, ...(u.shell ? ['-s', u.shell] : []), ...(u.gid === undefined ? [] : ['-g', String(u.gid)])];
      if (changes.length > 0) run(['usermod', ...(supplementary.length > 0 ? ['-a'] : []), ...changes, u.name]);
    } else {
      if (u.gid !== undefined && !gids.has(u.gid)) {
        run(['groupadd', '-g', String(u.gid), u.name]);
        gids.add(u.gid);
        groups.set(u.name, u.gid);
      }
      const shell = u.shell ?? (facts.system.probes[DEFAULT_SHELL] ? DEFAULT_SHELL : undefined);
      run(['useradd', '-m', ...details, ...(shell ? ['-s', shell] : []), ...(u.gid === undefined ? [] : ['-g', String(u.gid)]), u.name]);
      users.add(u.name);
      if (u.gid === undefined) groups.set(u.name, -1); // useradd makes the user's own group
    }
    if (u.password === 'locked') run(['usermod', '-L', u.name]);
    else if (u.password) run(['chpasswd', ...(u.password === 'hash' ? ['-e'] : [])], `${u.name}:${secretRef(passwordSecret(u.name))}\n`);
    if (u.key) run(['sh', '-c', AUTHORIZED_KEYS, 'authorized-keys', u.name], `${secretRef(keySecret(u.name))}\n`);
    if (u.forcePasswordReset) run(['chage', '-d', '0', u.name]);
    if (u.expiredate !== undefined) run(['chage', '-E', String(u.expiredate), u.name]);
  }
  return { users, groups: new Set(groups.keys()) };
}

/** What useradd or usermod would refuse halfway through: a uid another user of the image has,
 * or, for a new user, a group already named like it (useradd makes the user's own group). */
function checkNewAccount(u: UserSpec, c: Customizations, facts: ImageFacts, exists: boolean, groups: Map<string, number>, gids: Set<number>): void {
  const owner = u.uid === undefined ? undefined : facts.system.users.find((other) => other.uid === u.uid && other.name !== u.name);
  if (owner) throw new ConfigError([...u.at, 'uid'], `uid ${u.uid} is already used by ${owner.name} in the image: give another uid`);
  if (exists || !groups.has(u.name) || (u.gid !== undefined && gids.has(u.gid))) return;
  const listed = c.groups.find((g) => g.name === u.name);
  const where = listed ? `the config (${formatPath(listed.at)})` : 'the image';
  throw new ConfigError([...u.at, 'name'], `a group named ${u.name} already exists in ${where}, so useradd cannot make the user's own group: set gid to that group's gid, or rename the user or the group`);
}

/** A supplementary group that exists (wheel, Fedora's administrators, is sudo on Debian). */
function groupFor(name: string, at: KeyPath, groups: Map<string, number>, u: UserSpec, work: Work): string {
  if (groups.has(name)) return name;
  if (name === 'wheel' && groups.has('sudo')) {
    work.warnings.push(`user ${u.name}: Debian has no wheel group; adding the user to sudo, Debian's administrators' group, instead`);
    return 'sudo';
  }
  throw new ConfigError(at, `group ${name} does not exist in the image: create it with [[customizations.group]]`);
}

function checkOwner(node: NodeSpec, known: { users: Set<string>; groups: Set<string> }): void {
  if (typeof node.user === 'string' && !known.users.has(node.user)) throw new ConfigError([...node.at, 'user'], `user ${node.user} does not exist in the image or the config`);
  if (typeof node.group === 'string' && !known.groups.has(node.group)) throw new ConfigError([...node.at, 'group'], `group ${node.group} does not exist in the image or the config`);
}

function timeSettings(c: Customizations, facts: ImageFacts, run: (argv: string[]) => void, etc: (p: string, t: string) => void): void {
  const zone = c.timezone?.zone;
  if (zone) {
    if (!facts.system.probes[`/usr/share/zoneinfo/${zone}`]) {
      throw new ConfigError([...c.base, 'timezone', 'timezone'], `time zone ${zone} is not in the image (package tzdata, /usr/share/zoneinfo)`);
    }
    run(['ln', '-sf', `../usr/share/zoneinfo/${zone}`, '/etc/localtime']);
    etc('timezone', `${zone}\n`);
  }
  const servers = c.timezone?.ntpServers ?? [];
  if (servers.length > 0) {
    if (!facts.system.probes[TIMESYNCD]) throw new ConfigError([...c.base, 'timezone', 'ntpservers'], 'NTP servers need systemd-timesyncd in the image');
    etc('systemd/timesyncd.conf.d/50-deb-bootc-image-builder.conf', `[Time]\nNTP=${servers.join(' ')}\n`);
  }
}

function localeSettings(c: Customizations, facts: ImageFacts, etc: (p: string, t: string) => void): void {
  const language = c.locale?.language;
  if (language) {
    const name = normalizeLocale(language);
    if (!['C', 'POSIX'].includes(language) && !facts.system.locales.includes(name)) {
      throw new ConfigError([...c.base, 'locale', 'languages', 0], `locale ${language} is not generated in the image: install locales and run locale-gen for it in the Containerfile`);
    }
    etc('locale.conf', `LANG=${language}\n`);
    etc('default/locale', `LANG=${language}\n`);
  }
  const keyboard = c.locale?.keyboard;
  if (keyboard) {
    const at = [...c.base, 'locale', 'keyboard'];
    if (!facts.system.probes[SETUPCON]) throw new ConfigError(at, 'the keyboard is set up by console-setup on Debian: install console-setup in the image');
    if (!facts.system.xkbLayouts.includes(keyboard)) throw new ConfigError(at, `${keyboard} is not a keyboard layout of the image's xkb-data (e.g. us, de, fr)`);
    etc('default/keyboard', keyboardSettings(keyboard, facts.system.keyboardDefaults));
  }
}

/**
 * /etc/default/keyboard with the new layout, which console-setup loads into the console at
 * boot and localed reports; the model, options and backspace setting are kept, the variant
 * (which belongs to the old layout) is not.
 */
function keyboardSettings(layout: string, existing = ''): string {
  const kept = existing.split('\n').filter((l) => /^(XKBMODEL|XKBOPTIONS|BACKSPACE)=/.test(l));
  const model = kept.some((l) => l.startsWith('XKBMODEL=')) ? [] : ['XKBMODEL="pc105"'];
  return ['# Set by deb-bootc-image-builder (customizations.locale.keyboard)', ...model, ...kept, `XKBLAYOUT="${layout}"`, 'XKBVARIANT=""', ''].join('\n');
}

function services(c: Customizations, facts: ImageFacts, run: (argv: string[]) => void): void {
  for (const [verb, units] of [['enable', c.services.enabled], ['disable', c.services.disabled]] as const) {
    units.forEach((unit, i) => {
      if (!UNIT_DIRS.some((d) => facts.system.probes[`${d}/${unit}`])) {
        throw new ConfigError([...c.base, 'services', `${verb}d`, i], `unit ${unit} is not in the image`);
      }
    });
    if (units.length > 0) run(['systemctl', '--root=/', verb, ...units]);
  }
  if (c.services.masked.length > 0) run(['systemctl', '--root=/', 'mask', ...c.services.masked]);
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
