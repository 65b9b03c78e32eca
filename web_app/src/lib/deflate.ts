// A tiny synchronous zlib encoder for masks: fixed-Huffman deflate with run-length matches
// (distance 1). Binary masks are long runs of 0 and 255, which this compresses to about 1 %,
// in a few milliseconds and without the thread hops of CompressionStream.

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];

class BitWriter {
  private buf: Uint8Array;
  private pos = 0;
  private bit = 0;
  private cur = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(64, capacity));
  }

  /** Writes `n` bits of `value`, least significant first. */
  bits(value: number, n: number): void {
    for (let i = 0; i < n; i++) {
      this.cur |= ((value >>> i) & 1) << this.bit;
      if (++this.bit === 8) this.flush();
    }
  }

  /** Writes a Huffman code of `n` bits, most significant first. */
  code(value: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      this.cur |= ((value >>> i) & 1) << this.bit;
      if (++this.bit === 8) this.flush();
    }
  }

  private flush(): void {
    if (this.pos === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.pos++] = this.cur;
    this.cur = 0;
    this.bit = 0;
  }

  finish(): Uint8Array {
    if (this.bit > 0) this.flush();
    return this.buf.subarray(0, this.pos);
  }
}

/** Fixed-Huffman code of a literal/length symbol (RFC 1951 §3.2.6). */
function symbol(w: BitWriter, s: number): void {
  if (s < 144) w.code(0x30 + s, 8);
  else if (s < 256) w.code(0x190 + s - 144, 9);
  else if (s < 280) w.code(s - 256, 7);
  else w.code(0xc0 + s - 280, 8);
}

function match(w: BitWriter, length: number): void {
  let i = LEN_BASE.length - 1;
  while ((LEN_BASE[i] ?? 0) > length) i--;
  symbol(w, 257 + i);
  const extra = LEN_EXTRA[i] ?? 0;
  if (extra) w.bits(length - (LEN_BASE[i] ?? 0), extra);
  w.code(0, 5); // distance code 0 = distance 1
}

export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    const end = Math.min(data.length, i + 5552);
    for (; i < end; i++) {
      a += data[i] ?? 0;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** zlib stream (RFC 1950) of `data`. */
export function zlibRle(data: Uint8Array): Uint8Array {
  const w = new BitWriter(data.length / 64 + 64);
  w.bits(1, 1); // BFINAL
  w.bits(1, 2); // BTYPE = fixed Huffman
  for (let i = 0; i < data.length; ) {
    const v = data[i] ?? 0;
    symbol(w, v);
    let j = i + 1;
    while (j < data.length && data[j] === v) j++;
    let run = j - i - 1;
    while (run >= 3) {
      const n = Math.min(258, run);
      match(w, n);
      run -= n;
    }
    for (; run > 0; run--) symbol(w, v);
    i = j;
  }
  symbol(w, 256);
  const body = w.finish();
  const out = new Uint8Array(body.length + 6);
  out[0] = 0x78;
  out[1] = 0x01;
  out.set(body, 2);
  const sum = adler32(data);
  new DataView(out.buffer).setUint32(out.length - 4, sum);
  return out;
}
