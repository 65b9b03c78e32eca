/// <reference types="node" />
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32, zlibRle } from '../src/lib/deflate';
import { bitPng, bitRowBytes, grayPng } from '../src/lib/png';

function sample(n: number): Uint8Array {
  const d = new Uint8Array(n);
  let v = 0;
  for (let i = 0; i < n; ) {
    const run = 1 + ((i * 7919) % 600);
    d.fill(v, i, Math.min(n, i + run));
    i += run;
    v = v === 0 ? 255 : (i % 5 === 0 ? 17 : 0);
  }
  return d;
}

describe('zlib run-length encoder', () => {
  it('round-trips through zlib inflate', () => {
    for (const data of [new Uint8Array(0), new Uint8Array([5]), new Uint8Array(1000).fill(255), sample(100_000), Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) & 255)]) {
      const out = inflateSync(zlibRle(data));
      expect(Buffer.compare(out, Buffer.from(data))).toBe(0);
    }
  });

  it('compresses masks to a fraction and matches adler32', () => {
    const data = sample(786_432);
    expect(zlibRle(data).length).toBeLessThan(data.length / 20);
    expect(adler32(new TextEncoder().encode('Wikipedia'))).toBe(0x11e60398);
  });

  it('writes a PNG whose pixels inflate back', () => {
    const px = new Uint8Array(6 * 4).fill(0);
    px[7] = 255;
    const png = grayPng(px, 6, 4);
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const idatAt = Buffer.from(png).indexOf('IDAT');
    const len = new DataView(png.buffer).getUint32(idatAt - 4);
    const raw = inflateSync(png.subarray(idatAt + 4, idatAt + 4 + len));
    expect(raw.length).toBe((6 + 1) * 4);
    expect(raw[7 + 1 + 1]).toBe(255);
  });

  it('writes a 1-bit PNG whose packed rows inflate back', () => {
    const w = 13, h = 3, stride = bitRowBytes(w);
    expect(stride).toBe(3);
    const raw = new Uint8Array(stride * h);
    raw[stride + 1] = 0b0100_0000; // row 1, pixel 1
    raw[2 * stride + 2] = 0b0000_1000; // row 2, pixel 12
    const png = bitPng(raw, w, h);
    const idatAt = Buffer.from(png).indexOf('IDAT');
    const ihdr = Buffer.from(png).indexOf('IHDR');
    expect(png[ihdr + 4 + 8]).toBe(1); // bit depth
    expect(png[ihdr + 4 + 9]).toBe(0); // grayscale
    const len = new DataView(png.buffer).getUint32(idatAt - 4);
    expect(Buffer.compare(inflateSync(png.subarray(idatAt + 4, idatAt + 4 + len)), Buffer.from(raw))).toBe(0);
    expect(() => bitPng(new Uint8Array(5), w, h)).toThrow();
  });
});
