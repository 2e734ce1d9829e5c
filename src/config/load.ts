// Finding and reading the build config the way bootc-image-builder does: --config PATH
// (TOML, JSON or YAML by extension; "-" is JSON on stdin), else /config.toml or
// /config.json (both is an error). Every problem is reported as FILE:LINE:COLUMN: KEY: ...
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { UserError } from '../errors.js';
import { NO_CUSTOMIZATIONS } from './customizations.js';
import { type Normalized, normalizeConfig } from './normalize.js';
import type { Config } from './schema.js';
import { schemaErrors } from './schema-errors.js';
import { type ConfigFormat, type ConfigSource, ConfigError, configErrorAt, parseConfig } from './source.js';

export const DEFAULT_CONFIGS = ['/config.toml', '/config.json'];

export interface LoadedConfig extends Normalized {
  /** where the config came from, for messages; undefined when there is none */
  source?: ConfigSource;
}

export async function loadConfig(option: string | undefined, stdin: NodeJS.ReadableStream, defaults = DEFAULT_CONFIGS): Promise<LoadedConfig> {
  if (option === '-') return configFromText('<stdin>', await readStream(stdin), 'json');
  if (option !== undefined) return configFromText(option, await readConfigFile(option), formatOf(option));
  const present = defaults.filter((path) => existsSync(path));
  if (present.length > 1) throw new UserError('config', `found both ${present.join(' and ')}: mount only one config`);
  const [only] = present;
  if (!only) return { customizations: NO_CUSTOMIZATIONS, secrets: new Map() };
  return configFromText(only, await readConfigFile(only), formatOf(only));
}

/** Parses, schema-checks and normalizes; errors carry the file position of their key. */
export function configFromText(file: string, text: string, format: ConfigFormat): LoadedConfig {
  const source = parseConfig(file, text, format);
  try {
    const [first, ...more] = schemaErrors(source.value);
    if (first) throw Object.assign(first, { more: more.length });
    return { ...normalizeConfig(source.value as Config), source };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const located = configErrorAt(source, error);
    const more = (error as ConfigError & { more?: number }).more;
    if (more) located.message += ` (and ${more} more problem${more > 1 ? 's' : ''})`;
    throw located;
  }
}

export function formatOf(file: string): ConfigFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.toml') return 'toml';
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  throw new UserError('usage', `--config ${file}: name the file .toml, .json, .yaml or .yml so its format is known`);
}

async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ' (mount it into the builder, e.g. -v ./config.toml:/config.toml:ro)' : '';
    throw new UserError('config', `cannot read the config ${path}: ${code ?? String(error)}${hint}`);
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
