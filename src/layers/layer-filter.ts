// A layer tar as ostree-ext imports it into an ostree commit (bootc's container store), so
// that the layer commits we write are the ones bootc would have written: /etc becomes
// /usr/etc (also in hard link targets), the contents of /run, /tmp, /proc, /sys and /dev
// are left out (the directories stay), /var stays where it is (ostree >= 2024.3; older
// ostree: /usr/share/factory/var), everything else is kept, whiteout files (.wh.*) included:
// ostree applies them when the layers are checked out on top of each other. Device nodes,
// FIFOs and sockets elsewhere cannot be stored in ostree and are an error, as in bootc.
// Streaming: headers are parsed and rewritten, file data passes through untouched.
import { ByteReader } from './byte-reader.js';

const BLOCK = 512;
const EXCLUDED_TOPLEVEL = new Set(['run', 'tmp', 'proc', 'sys', 'dev']);
/** typeflags of entries that only describe the next one */
const PAX = 'x';
const PAX_GLOBAL = 'g';
const GNU_LONGNAME = 'L';
const GNU_LONGLINK = 'K';
const HARDLINK = '1';
const SPECIAL = new Set(['3', '4', '6']); // character device, block device, FIFO

export interface LayerFilterOptions {
  /** keep /var in place (ostree >= 2024.3), else move it to /usr/share/factory/var */
  retainVar: boolean;
}

export class UnsupportedLayerEntry extends Error {}

/** Where ostree-ext puts a path of the layer, or undefined when it leaves it out. */
export function mapLayerPath(path: string, options: LayerFilterOptions): string | undefined {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsupportedLayerEntry(`invalid path in layer: ${path}`);
  const [top, ...rest] = parts;
  if (top === undefined) return './';
  const dir = path.endsWith('/') ? '/' : '';
  const join = (ps: string[]) => `./${ps.join('/')}${dir}`;
  if (top === 'etc') return join(['usr', 'etc', ...rest]);
  if (top === 'var' && !options.retainVar) return join(['usr', 'share', 'factory', 'var', ...rest]);
  if (EXCLUDED_TOPLEVEL.has(top)) return rest.length === 0 ? join([top]) : undefined;
  return join(parts);
}

/** Hard link targets only get /etc moved, as in ostree-ext. */
function mapLinkTarget(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return parts[0] === 'etc' ? `./usr/${parts.join('/')}` : `./${parts.join('/')}`;
}

interface Header {
  block: Buffer;
  name: string;
  linkname: string;
  size: number;
  type: string;
}

function cstring(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end === -1 ? length : end);
}

function parseSize(block: Buffer): number {
  const field = block.subarray(124, 136);
  if ((field[0] as number) & 0x80) {
    // base-256: big-endian, high bit of the first byte is the marker
    let value = (field[0] as number) & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return value;
  }
  const text = cstring(block, 124, 12).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function parseHeader(block: Buffer): Header {
  const ustar = block.toString('latin1', 257, 263) === 'ustar\0';
  const name = cstring(block, 0, 100);
  const prefix = ustar ? cstring(block, 345, 155) : '';
  return {
    block,
    name: prefix ? `${prefix}/${name}` : name,
    linkname: cstring(block, 157, 100),
    size: parseSize(block),
    type: String.fromCharCode(block[156] || 0x30),
  };
}

function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = parseInt(data.toString('latin1', at, space), 10);
    if (!(length > 0)) break;
    const record = data.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

function renderPax(records: Map<string, string>): Buffer {
  const parts = [...records].map(([key, value]) => {
    const body = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(body) + 1;
    while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
    return Buffer.from(`${length}${body}`);
  });
  return Buffer.concat(parts);
}

function writeChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

/** A copy of `header` naming `name` (ustar fields hold what fits; PAX carries the rest). */
function renamedHeader(header: Header, name: string, linkname: string): Buffer {
  const block = Buffer.from(header.block);
  block.fill(0, 0, 100);
  block.write(name.slice(0, 100), 0, 'utf8');
  block.fill(0, 157, 257);
  block.write(linkname.slice(0, 100), 157, 'utf8');
  if (block.toString('latin1', 257, 263) === 'ustar\0') block.fill(0, 345, 500);
  writeChecksum(block);
  return block;
}

function paxHeader(data: Buffer): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write('./PaxHeaders/entry', 0, 'latin1');
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write('00000000000\0', 136, 'latin1');
  block.write(PAX, 156, 'latin1');
  block.write('ustar\u000000', 257, 'latin1');
  writeChecksum(block);
  return block;
}

const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;
const padding = (n: number) => Buffer.alloc(padded(n) - n);

/** The layer tar `input` rewritten as ostree-ext imports it. */
export async function* filterLayerTar(input: AsyncIterable<Buffer>, options: LayerFilterOptions): AsyncGenerator<Buffer> {
  const reader = new ByteReader(input);
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await reader.read(BLOCK);
    if (!block) return;
    if (block.every((b) => b === 0)) {
      // end of archive: two zero blocks (whatever follows is padding)
      yield block;
      continue;
    }
    const header = parseHeader(block);
    if (header.type === PAX || header.type === GNU_LONGNAME || header.type === GNU_LONGLINK) {
      const data = (await reader.read(padded(header.size))) as Buffer;
      const content = data.subarray(0, header.size);
      if (header.type === PAX) pax = new Map([...pax, ...parsePax(content)]);
      else if (header.type === GNU_LONGNAME) longName = cstring(content, 0, content.length);
      else longLink = cstring(content, 0, content.length);
      continue;
    }
    if (header.type === PAX_GLOBAL) {
      yield block;
      for await (const chunk of reader.stream(padded(header.size))) yield chunk;
      continue;
    }
    const path = pax.get('path') ?? longName ?? header.name;
    const link = pax.get('linkpath') ?? longLink ?? header.linkname;
    const records = pax;
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    const mapped = mapLayerPath(path, options);
    const dataBytes = padded(header.size);
    if (mapped === undefined) {
      for await (const _ of reader.stream(dataBytes)) void _;
      continue;
    }
    if (SPECIAL.has(header.type)) {
      throw new UnsupportedLayerEntry(`${path}: device nodes and FIFOs cannot be stored in ostree (remove it from the image, or create it at boot with tmpfiles.d)`);
    }
    const target = header.type === HARDLINK ? mapLinkTarget(link) : link;
    const out = new Map([...records].filter(([key]) => key !== 'path' && key !== 'linkpath'));
    const nameFits = Buffer.byteLength(mapped) <= 100;
    const linkFits = Buffer.byteLength(target) <= 100;
    if (!nameFits) out.set('path', mapped);
    if (!linkFits) out.set('linkpath', target);
    if (out.size > 0) {
      const data = renderPax(out);
      yield paxHeader(data);
      yield Buffer.concat([data, padding(data.length)]);
    }
    yield renamedHeader(header, mapped, target);
    for await (const chunk of reader.stream(dataBytes)) yield chunk;
  }
}
