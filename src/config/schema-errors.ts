// Schema violations as ConfigErrors that name the offending key, in words a user can act on
// ("unknown key (did you mean "password"?)", "expected an integer").
import Value from 'typebox/value';
import { ConfigSchema } from './schema.js';
import { ConfigError, type KeyPath } from './source.js';

interface SchemaError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
}

/** All schema problems, most useful first (one per key). */
export function schemaErrors(value: unknown): ConfigError[] {
  const errors = [...Value.Errors(ConfigSchema, value)] as unknown as SchemaError[];
  const byPath = new Map<string, SchemaError[]>();
  for (const e of errors) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const out: ConfigError[] = [];
  for (const [pointer, group] of byPath) {
    const path = toPath(pointer);
    for (const e of group) {
      if (e.keyword === 'additionalProperties') {
        for (const key of e.params.additionalProperties as string[]) {
          out.push(new ConfigError([...path, key], `unknown key${suggest(key, allowedKeys(e.schemaPath))}`));
        }
      }
      if (e.keyword === 'required') {
        for (const key of e.params.requiredProperties as string[]) out.push(new ConfigError([...path, key], 'required key is missing'));
      }
    }
    const described = describe(group);
    const anchor = group.find((e) => e.keyword === 'anyOf') ?? group[0];
    const hint = schemaAt(anchor?.schemaPath ?? '#')?.description;
    if (described) out.push(new ConfigError(path, hint && !described.startsWith('must be one of') ? `${described}: ${hint}` : described));
  }
  return out;
}

function describe(group: SchemaError[]): string | undefined {
  const has = (k: string) => group.find((e) => e.keyword === k);
  const enumError = has('enum');
  if (enumError) return `must be one of: ${(enumError.params.allowedValues as string[]).join(', ')}`;
  const minimum = has('minimum');
  if (minimum) return `must be at least ${String(minimum.params.limit ?? minimum.params.minimum ?? 0)}`;
  const maximum = has('maximum');
  if (maximum) return `must be at most ${String(maximum.params.limit ?? maximum.params.maximum)}`;
  if (has('anyOf')) {
    const types = group.filter((e) => e.keyword === 'type').map((e) => article(String(e.params.type)));
    return `expected ${types.join(' or ') || 'another kind of value'}`;
  }
  const type = has('type');
  if (type) return `expected ${article(String(type.params.type))}`;
  if (has('pattern')) return 'not in the expected form';
  return undefined;
}

function article(type: string): string {
  const words: Record<string, string> = { integer: 'an integer', string: 'a string', object: 'a table', array: 'a list', boolean: 'true or false', number: 'a number' };
  return words[type] ?? type;
}

function toPath(pointer: string): KeyPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** The schema at a location such as "#/properties/customizations/properties/user/items". */
function schemaAt(schemaPath: string): { properties?: object; description?: string } | undefined {
  let node: unknown = ConfigSchema;
  for (const part of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  return node as { properties?: object; description?: string } | undefined;
}

/** Property names allowed at a schema location. */
function allowedKeys(schemaPath: string): string[] {
  return Object.keys(schemaAt(schemaPath)?.properties ?? {});
}

function suggest(key: string, allowed: string[]): string {
  const best = allowed
    .map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(1, Math.floor(key.length / 3)) ? ` (did you mean "${best.k}"?)` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}
