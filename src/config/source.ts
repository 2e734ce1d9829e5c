// Config file text -> value, keeping where every key and element stands in the text, so any
// error, from the parser, the schema or a later check, can name file, line and column.
import { getStaticTOMLValue, parseTOML } from 'toml-eslint-parser';
import type { AST } from 'toml-eslint-parser';
import { parse as parsePlainToml, TomlError } from 'smol-toml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { UserError } from '../errors.js';

export type KeyPath = (string | number)[];
export type ConfigFormat = 'toml' | 'json' | 'yaml';

export interface Position {
  line: number;
  column: number;
}

export interface ConfigSource {
  /** how the file is named in messages */
  file: string;
  value: unknown;
  /** where `path` (or its nearest ancestor) stands in the text */
  locate(path: KeyPath): Position | undefined;
}

/** A config value is wrong: the path names the key; the position is added from the source. */
export class ConfigError extends UserError {
  constructor(
    readonly path: KeyPath,
    readonly problem: string,
  ) {
    super('config', `${formatPath(path)}: ${problem}`);
  }
}

export function formatPath(path: KeyPath): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '') || '(top level)';
}

/** One line: "FILE:LINE:COLUMN: KEY: PROBLEM". */
export function configErrorAt(source: ConfigSource, error: ConfigError): UserError {
  const at = source.locate(error.path);
  const where = at ? `${source.file}:${at.line}:${at.column}` : source.file;
  return new UserError('config', `${where}: ${error.message}`);
}

export function parseConfig(file: string, text: string, format: ConfigFormat): ConfigSource {
  return format === 'toml' ? parseToml(file, text) : parseYamlOrJson(file, text, format);
}

/** Past this size the position-keeping parser may overflow the stack (it recurses per token). */
const LARGE_TOML = 300 * 1024;

function parseToml(file: string, text: string): ConfigSource {
  if (text.length <= LARGE_TOML) {
    try {
      return parseTomlWithPositions(file, text);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  return parseTomlWithoutPositions(file, text);
}

/** Large files: the same value, without positions (messages still name the key). */
function parseTomlWithoutPositions(file: string, text: string): ConfigSource {
  try {
    return { file, value: parsePlainToml(text), locate: () => undefined };
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const message = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    throw new UserError('config', `${file}:${error.line}:${error.column}: not valid TOML: ${message}`);
  }
}

function parseTomlWithPositions(file: string, text: string): ConfigSource {
  let ast: AST.TOMLProgram;
  try {
    ast = parseTOML(text);
  } catch (error) {
    if (error instanceof RangeError) throw error;
    const e = error as { message: string; lineNumber?: number; column?: number };
    throw new UserError('config', `${file}:${e.lineNumber ?? 1}:${(e.column ?? 0) + 1}: not valid TOML: ${e.message}`);
  }
  const positions = new Map<string, Position>();
  const mark = (path: KeyPath, loc: AST.SourceLocation) => {
    const key = JSON.stringify(path);
    if (!positions.has(key)) positions.set(key, { line: loc.start.line, column: loc.start.column + 1 });
  };
  const value = (path: KeyPath, node: AST.TOMLContentNode) => {
    if (node.type === 'TOMLArray') node.elements.forEach((e, i) => (mark([...path, i], e.loc), value([...path, i], e)));
    if (node.type === 'TOMLInlineTable') node.body.forEach((kv) => keyValue(path, kv));
  };
  const keyValue = (base: KeyPath, kv: AST.TOMLKeyValue) => {
    const keys = kv.key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value));
    keys.forEach((_, i) => mark([...base, ...keys.slice(0, i + 1)], kv.loc));
    value([...base, ...keys], kv.value);
  };
  for (const top of ast.body) {
    for (const node of top.body) {
      if (node.type === 'TOMLTable') {
        node.resolvedKey.forEach((_, i) => mark(node.resolvedKey.slice(0, i + 1), node.loc));
        node.body.forEach((kv) => keyValue(node.resolvedKey, kv));
      } else keyValue([], node);
    }
  }
  return { file, value: getStaticTOMLValue(ast), locate: locator(positions) };
}

function parseYamlOrJson(file: string, text: string, format: 'json' | 'yaml'): ConfigSource {
  const lines = new LineCounter();
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message;
      const at = Number(/position (\d+)/.exec(message)?.[1] ?? 0);
      parseDocument(text, { lineCounter: lines });
      const pos = lines.linePos(at);
      throw new UserError('config', `${file}:${pos.line}:${pos.col}: not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
    }
  }
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const pos = lines.linePos(problem.pos[0]);
    const message = (problem.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError('config', `${file}:${pos.line}:${pos.col}: not valid ${format.toUpperCase()}: ${message}`);
  }
  const positions = new Map<string, Position>();
  const mark = (path: KeyPath, offset: number | undefined) => {
    if (offset === undefined) return;
    const pos = lines.linePos(offset);
    positions.set(JSON.stringify(path), { line: pos.line, column: pos.col });
  };
  const walk = (path: KeyPath, node: YamlNode | null | undefined) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        mark([...path, key], isScalar(pair.key) ? pair.key.range?.[0] : undefined);
        walk([...path, key], pair.value as YamlNode);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        mark([...path, i], (item as YamlNode).range?.[0]);
        walk([...path, i], item as YamlNode);
      });
    }
  };
  walk([], doc.contents as YamlNode);
  return { file, value: doc.toJS(), locate: locator(positions) };
}

function locator(positions: Map<string, Position>): (path: KeyPath) => Position | undefined {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const found = positions.get(JSON.stringify(path.slice(0, n)));
      if (found) return found;
    }
    return undefined;
  };
}
