// In-memory stdout/stderr for running the CLI inside a test.
import { PassThrough } from 'node:stream';

export interface Captured {
  stream: PassThrough;
  text: () => string;
}

export function capture(): Captured {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}
