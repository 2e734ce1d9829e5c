// Customizations checked against the image: problems are config errors located in the file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { configFromText, loadConfig } from '../../src/config/load.js';
import { ConfigError, configErrorAt, parseConfig } from '../../src/config/source.js';
import { customizationProbes, customizeStage } from '../../src/plan/customize.js';
import type { Step } from '../../src/plan/types.js';
import { exampleFacts } from '../support/facts.js';
import { capture } from '../support/streams.js';

/** The first problem of a config against the example image, located as the CLI reports it. */
function refusal(toml: string, probes: Record<string, boolean> = {}): string {
  const { customizations } = configFromText('config.toml', toml, 'toml');
  const facts = exampleFacts((f) => (f.system.probes = { '/bin/bash': true, ...probes }));
  try {
    customizeStage(customizations, facts, "default");
  } catch (error) {
    if (error instanceof ConfigError) return configErrorAt(parseConfig('config.toml', toml, 'toml'), error).message;
    throw error;
  }
  return 'accepted';
}

const steps = (toml: string, probes: Record<string, boolean> = {}): Step[] => {
  const { customizations } = configFromText('config.toml', toml, 'toml');
  const facts = exampleFacts((f) => (f.system.probes = { '/bin/bash': true, ...probes }));
  return customizeStage(customizations, facts, "default").stage?.lanes.flat() ?? [];
};
const argv = (s: Step[]) => s.flatMap((x) => (x.kind === 'exec' ? [x.argv.join(' ')] : []));

describe('customizations checked against the image', () => {
  it.each([
    ['[[customizations.user]]\nname = "a"\ngroups = ["admins"]\n', 'config.toml:3:11: customizations.user[0].groups[0]: group admins does not exist in the image: create it with [[customizations.group]]'],
    ['[[customizations.user]]\nname = "a"\nshell = "/bin/zsh"\n', 'config.toml:3:1: customizations.user[0].shell: /bin/zsh is not a shell in the image (see its /etc/shells)'],
    ['[[customizations.group]]\nname = "sudo"\ngid = 999\n', 'config.toml:3:1: customizations.group[0].gid: group sudo already exists in the image with gid 27'],
    ['[[customizations.group]]\nname = "x"\ngid = 27\n', 'config.toml:3:1: customizations.group[0].gid: gid 27 is already used by another group in the image'],
    ['[[customizations.files]]\npath = "/etc/x"\nuser = "nobody-here"\n', 'config.toml:3:1: customizations.files[0].user: user nobody-here does not exist in the image or the config'],
    ['[customizations.timezone]\ntimezone = "Mars/Olympus"\n', 'config.toml:2:1: customizations.timezone.timezone: time zone Mars/Olympus is not in the image (package tzdata, /usr/share/zoneinfo)'],
    ['[customizations.timezone]\nntpservers = ["ntp.example.org"]\n', 'config.toml:2:1: customizations.timezone.ntpservers: NTP servers need systemd-timesyncd in the image'],
    ['[customizations.locale]\nlanguages = ["fr_FR.UTF-8"]\n', 'config.toml:2:14: customizations.locale.languages[0]: locale fr_FR.UTF-8 is not generated in the image: install locales and run locale-gen for it in the Containerfile'],
    ['[customizations.locale]\nkeyboard = "de"\n', 'config.toml:2:1: customizations.locale.keyboard: the keyboard is set up by console-setup on Debian: install console-setup in the image'],
    ['[customizations.services]\nenabled = ["nginx"]\n', 'config.toml:2:12: customizations.services.enabled[0]: unit nginx.service is not in the image'],
    ['[[customizations.user]]\nname = "alice"\nuid = 33\n', 'config.toml:3:1: customizations.user[0].uid: uid 33 is already used by www-data in the image: give another uid'],
    ['[[customizations.group]]\nname = "devs"\n[[customizations.user]]\nname = "devs"\n', "config.toml:4:1: customizations.user[0].name: a group named devs already exists in the config (customizations.group[0]), so useradd cannot make the user's own group: set gid to that group's gid, or rename the user or the group"],
    ['[[customizations.user]]\nname = "sudo"\n', "config.toml:2:1: customizations.user[0].name: a group named sudo already exists in the image, so useradd cannot make the user's own group: set gid to that group's gid, or rename the user or the group"],
    ['[[customizations.user]]\nname = "sudo"\ngid = 4000\n', "config.toml:2:1: customizations.user[0].name: a group named sudo already exists in the image, so useradd cannot make the user's own group: set gid to that group's gid, or rename the user or the group"],
  ])('%j', (toml, message) => {
    expect(refusal(toml)).toBe(message);
  });

  it('refuses uid 0 for anyone but root even past the config check', () => {
    const { customizations } = configFromText('config.toml', '[[customizations.user]]\nname = "daemon"\nuid = 1\n', 'toml');
    const users = customizations.users.map((u) => ({ ...u, uid: 0 }));
    expect(() => customizeStage({ ...customizations, users }, exampleFacts(), 'default')).toThrow('customizations.user[0].uid: uid 0 is already used by root in the image: give another uid');
  });

  it("accepts root's uid 0, a user's own uid, and a user in a group named like it", () => {
    expect(refusal('[[customizations.user]]\nname = "root"\nuid = 0\n')).toBe('accepted');
    expect(refusal('[[customizations.user]]\nname = "daemon"\nuid = 1\n')).toBe('accepted');
    expect(refusal('[[customizations.group]]\nname = "devs"\ngid = 1500\n[[customizations.user]]\nname = "devs"\ngid = 1500\n')).toBe('accepted');
    expect(refusal('[[customizations.user]]\nname = "sudo"\ngid = 27\n')).toBe('accepted');
  });

  it('accepts what the image has', () => {
    expect(refusal('[customizations.timezone]\ntimezone = "Europe/Berlin"\n', { '/usr/share/zoneinfo/Europe/Berlin': true })).toBe('accepted');
    expect(refusal('[customizations.locale]\nlanguages = ["de_DE.UTF-8"]\nkeyboard = "de"\n', { '/usr/bin/setupcon': true })).toBe('accepted');
    expect(refusal('[customizations.locale]\nkeyboard = "xx"\n', { '/usr/bin/setupcon': true })).toMatch(/xx is not a keyboard layout of the image's xkb-data/);
  });

  it('asks the image only what the config needs', () => {
    const { customizations } = configFromText('c.toml', '[customizations.timezone]\ntimezone = "UTC"\n[customizations.services]\nenabled = ["a.timer"]\n', 'toml');
    expect(customizationProbes(customizations)).toEqual(expect.arrayContaining(['/usr/share/zoneinfo/UTC', '/usr/lib/systemd/system/a.timer', '/etc/systemd/system/a.timer']));
  });

  it('modifies existing users instead of adding them, and never puts secrets in steps', () => {
    const s = steps('[[customizations.user]]\nname = "root"\npassword = "$6$x$y"\nkey = "ssh-ed25519 AAAA k"\nhome = "/var/roothome"\n');
    expect(argv(s)).toEqual(['systemd-tmpfiles --create --prefix=/var', 'usermod -d /var/roothome root', 'chpasswd -e', expect.stringContaining('authorized-keys root')]);
    expect(JSON.stringify(s)).not.toContain('AAAA');
    expect(JSON.stringify(s)).not.toContain('$6$x$y');
    expect(s.find((x) => x.kind === 'exec' && x.argv[0] === 'chpasswd')).toMatchObject({ stdin: 'root:@secret:user.root.password@\n' });
  });

  it('makes the primary group first when a new user asks for a gid nobody has', () => {
    expect(argv(steps('[[customizations.user]]\nname = "u"\nuid = 4000\ngid = 4000\n')).slice(1)).toEqual(['groupadd -g 4000 u', 'useradd -m -u 4000 -s /bin/bash -g 4000 u']);
  });

  it("first creates /var's directories from tmpfiles.d, as the boot does (images ship /var empty), with /proc for systemd-tmpfiles", () => {
    const s = steps('[customizations]\nhostname = "h"\n');
    expect(s[1]).toEqual({ kind: 'exec', in: 'deployment', proc: true, argv: ['systemd-tmpfiles', '--create', '--prefix=/var'] });
  });

  it('keeps the image keyboard model and options, replacing the layout', () => {
    const s = steps('[customizations.locale]\nkeyboard = "fr"\n', { '/usr/bin/setupcon': true });
    expect(s.find((x) => x.kind === 'deployment-file')).toMatchObject({
      path: 'etc/default/keyboard',
      content: '# Set by deb-bootc-image-builder (customizations.locale.keyboard)\nXKBMODEL="pc105"\nXKBOPTIONS=""\nBACKSPACE="guess"\nXKBLAYOUT="fr"\nXKBVARIANT=""\n',
    });
  });
});

describe('finding the config', () => {
  it('uses /config.toml or /config.json, and refuses both', async () => {
    const dir = await mkdtemp(`${tmpdir()}/config-`);
    try {
      await writeFile(`${dir}/config.toml`, '[customizations]\nhostname = "t"\n');
      const found = await loadConfig(undefined, new PassThrough(), [`${dir}/config.toml`, `${dir}/config.json`]);
      expect(found.customizations.hostname).toBe('t');
      await writeFile(`${dir}/config.json`, '{}');
      await expect(loadConfig(undefined, new PassThrough(), [`${dir}/config.toml`, `${dir}/config.json`])).rejects.toThrow(
        `found both ${dir}/config.toml and ${dir}/config.json: mount only one config`,
      );
      expect((await loadConfig(undefined, new PassThrough(), [`${dir}/none.toml`])).source).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('reads JSON from stdin with --config -', async () => {
    const stdin = new PassThrough();
    stdin.end('{"customizations": {"hostname": "from-stdin"}}');
    expect((await loadConfig('-', stdin)).customizations.hostname).toBe('from-stdin');
  });

  it('says how to mount a config that is not there', async () => {
    await expect(loadConfig('/nowhere/config.toml', new PassThrough())).rejects.toThrow(
      'cannot read the config /nowhere/config.toml: ENOENT (mount it into the builder, e.g. -v ./config.toml:/config.toml:ro)',
    );
  });
});

describe('schema command', () => {
  it('prints the JSON Schema of the config', async () => {
    const stdout = capture();
    expect(await runCli(['schema'], { stdout: stdout.stream as never, stderr: capture().stream as never })).toBe(0);
    const schema = JSON.parse(stdout.text());
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties.customizations.properties)).toEqual(expect.arrayContaining(['user', 'filesystem', 'disk', 'hostname', 'timezone', 'locale', 'services']));
    expect(schema.properties.customizations.additionalProperties).toBe(false);
  });
});
