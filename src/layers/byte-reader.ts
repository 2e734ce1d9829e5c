// Exact-size reads from a stream of chunks: what a tar parser needs (512-byte headers,
// then a known number of data bytes it may pass through without holding them).

/** The stream ended before the bytes its own headers promised: its source is damaged. */
export class TruncatedStream extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TruncatedStream';
  }
}

export class ByteReader {
  private buffered: Buffer[] = [];
  private length = 0;
  private done = false;
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.length < n && !this.done) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else if (next.value.length > 0) {
        this.buffered.push(next.value);
        this.length += next.value.length;
      }
    }
  }

  private take(n: number): Buffer {
    const all = this.buffered.length === 1 ? (this.buffered[0] as Buffer) : Buffer.concat(this.buffered);
    this.buffered = all.length > n ? [all.subarray(n)] : [];
    this.length = all.length - n;
    return all.subarray(0, n);
  }

  /** Exactly n bytes, or undefined at the end of the stream (a short tail is an error). */
  async read(n: number): Promise<Buffer | undefined> {
    await this.fill(n);
    if (this.length === 0 && this.done) return undefined;
    if (this.length < n) throw new TruncatedStream(`it ends early: ${n} bytes wanted, ${this.length} left`);
    return this.take(n);
  }

  /** The next n bytes as they arrive, without collecting them. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.length === 0) await this.fill(1);
      if (this.length === 0) throw new TruncatedStream(`it ends early: ${left} bytes missing`);
      const chunk = this.take(Math.min(left, this.length));
      left -= chunk.length;
      yield chunk;
    }
  }
}
