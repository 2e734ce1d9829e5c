// A serial console log as text: carriage returns and terminal escape sequences removed
// (getty and systemd write both), so that its lines can be matched and shown.
import { readFileSync } from 'node:fs';

export function stripTerminalCodes(text: string): string {
  // CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), DCS/SOS/PM/APC strings (ESC P, X, ^,
  // _ ... ESC \: newer agetty asks the terminal's name with one), charset selection, other
  // two-byte codes
  return (
    text
      .replaceAll('\r', '')
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b(\[[0-9;?!]*[ -\/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[PX^_][^\x1b]*(\x1b\\)?|[()][0-9A-Za-z]|[^[\]])/g, '')
  );
}

/** The log so far ('' before QEMU made it). */
export function readLog(path: string): string {
  try {
    return stripTerminalCodes(readFileSync(path, 'utf8')); // systemd writes UTF-8 (…); bad bytes become U+FFFD
  } catch {
    return '';
  }
}

/** Its last non-empty lines, for a report that says where a guest stopped. */
export function lastLines(text: string, count = 30): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(-count);
}
