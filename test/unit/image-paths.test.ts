// Config paths against the image's tree (as inspect describes it): what goes through a link,
// or meets a file where a directory must be, is refused with the key that asks for it.
import { describe, expect, it } from 'vitest';
import { configFromText } from '../../src/config/load.js';
import { ConfigError, configErrorAt, parseConfig } from '../../src/config/source.js';
import type { PathFact } from '../../src/image/facts.js';
import { checkConfigPaths, configPathQuestions } from '../../src/plan/image-paths.js';
import { exampleFacts } from '../support/facts.js';

function verdict(toml: string, paths: Record<string, PathFact>): string {
  const { customizations } = configFromText('config.toml', toml, 'toml');
  try {
    checkConfigPaths(customizations, exampleFacts((f) => (f.system.paths = paths)));
  } catch (error) {
    if (error instanceof ConfigError) return configErrorAt(parseConfig('config.toml', toml, 'toml'), error).message;
    throw error;
  }
  return 'accepted';
}

const filesystem = (mountpoint: string) => `[[customizations.filesystem]]\nmountpoint = "${mountpoint}"\nminsize = "1 GiB"\n`;
const toOutput: PathFact = { kind: 'missing', link: { at: '/var/data', target: '/output' }, canonical: '/output/victim', parentMissing: true };

describe('config paths in the image', () => {
  it('asks about every mountpoint, file and directory the config names', () => {
    const { customizations } = configFromText(
      'config.toml',
      `${filesystem('/var/data')}[[customizations.files]]\npath = "/etc/motd"\ndata = "hi"\n[[customizations.directories]]\npath = "/etc/x"\n`,
      'toml',
    );
    expect(configPathQuestions(customizations)).toEqual(['/var/data', '/etc/motd', '/etc/x']);
  });

  it('refuses a mountpoint through a symlink of the image, wherever it points', () => {
    expect(verdict(filesystem('/var/data/victim'), { '/var/data/victim': toOutput })).toBe(
      "config.toml:2:1: customizations.filesystem[0].mountpoint: /var/data/victim goes through the image's symlink /var/data -> /output, and a filesystem mounted through a link would land wherever it points: choose a mountpoint with no link on the way, or remove the link from the image",
    );
    expect(verdict(filesystem('/var/data'), { '/var/data': { kind: 'directory', link: { at: '/var/data', target: 'lib/data' }, canonical: '/var/lib/data' } })).toMatch(
      /\/var\/data goes through the image's symlink \/var\/data -> lib\/data/,
    );
  });

  it('refuses a mountpoint on a file', () => {
    expect(verdict(filesystem('/var/data'), { '/var/data': { kind: 'file' } })).toMatch(/\/var\/data is a file in the image, not a directory/);
  });

  it('accepts a plain mountpoint, present or not', () => {
    expect(verdict(filesystem('/var/data'), { '/var/data': { kind: 'missing' } })).toBe('accepted');
    expect(verdict(filesystem('/var/log'), { '/var/log': { kind: 'directory' } })).toBe('accepted');
  });

  it('refuses a directory where the image has a file, and a file where it has a directory', () => {
    expect(verdict('[[customizations.directories]]\npath = "/etc/hostname"\n', { '/etc/hostname': { kind: 'file' } })).toMatch(
      /customizations\.directories\[0\]\.path: \/etc\/hostname is a file in the image: a directory cannot replace it/,
    );
    expect(verdict('[[customizations.files]]\npath = "/etc/ssh"\ndata = "x"\n', { '/etc/ssh': { kind: 'directory' } })).toMatch(
      /customizations\.files\[0\]\.path: \/etc\/ssh is a directory in the image: a file cannot replace it/,
    );
  });

  it('refuses a file through a symlink that leads nowhere, except into /var (made at first boot)', () => {
    const dangling: PathFact = { kind: 'missing', link: { at: '/etc/app', target: '/nowhere' }, canonical: '/nowhere/app.conf', parentMissing: true };
    expect(verdict('[[customizations.files]]\npath = "/etc/app/app.conf"\ndata = "x"\n', { '/etc/app/app.conf': dangling })).toMatch(
      /\/etc\/app\/app\.conf goes through the image's symlink \/etc\/app -> \/nowhere, which leads to nothing there/,
    );
    const intoVar: PathFact = { kind: 'missing', link: { at: '/root', target: 'var/roothome' }, canonical: '/var/roothome/.bashrc', parentMissing: true };
    expect(verdict('[[customizations.files]]\npath = "/root/.bashrc"\ndata = "x"\n', { '/root/.bashrc': intoVar })).toBe('accepted');
  });

  it('refuses a directory whose parent is missing without ensure_parents', () => {
    expect(verdict('[[customizations.directories]]\npath = "/etc/a/b"\n', { '/etc/a/b': { kind: 'missing', parentMissing: true } })).toMatch(
      /the image has no directory \/etc\/a: set ensure_parents = true to create it/,
    );
    expect(verdict('[[customizations.directories]]\npath = "/etc/a/b"\nensure_parents = true\n', { '/etc/a/b': { kind: 'missing', parentMissing: true } })).toBe('accepted');
    // the parent is a filesystem of the config: it is there when the directory is made
    expect(verdict(`${filesystem('/var/data')}[[customizations.directories]]\npath = "/var/data/x"\n`, { '/var/data/x': { kind: 'missing', parentMissing: true } })).toBe('accepted');
  });
});
