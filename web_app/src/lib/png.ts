// A small grayscale PNG encoder for masks: one byte or one bit per pixel, compressed
// synchronously with the run-length zlib encoder (masks are long runs), far cheaper than the
// canvas's RGBA PNG path.
import { zlibRle } from './deflate';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, crc = 0xffffffff): number {
  let c = crc;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] ?? 0)) & 255] ?? 0) ^ (c >>> 8);
  return c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, (crc32(out.subarray(4, 8 + data.length)) ^ 0xffffffff) >>> 0);
  return out;
}

/** A grayscale PNG of `bitDepth` from its filtered scanlines (`raw`, zlib-compressed here). */
function grayPngOf(raw: Uint8Array, width: number, height: number, bitDepth: 1 | 8): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = 0; // grayscale
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibRle(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Encodes 8-bit grayscale pixels (row-major, width×height) as a PNG. */
export function grayPng(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const raw = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return grayPngOf(raw, width, height, 8);
}

/** Bytes per scanline of a 1-bit PNG `width` pixels wide, the filter byte included. */
export const bitRowBytes = (width: number): number => ((width + 7) >> 3) + 1;

/**
 * A 1-bit grayscale PNG (1 = white) from its scanlines: per row a filter byte (0) and the
 * pixels packed most significant bit first, `bitRowBytes(width)` bytes in all. A binary mask
 * this way is an eighth of the 8-bit one to compress and checksum.
 */
export function bitPng(raw: Uint8Array, width: number, height: number): Uint8Array {
  if (raw.length !== bitRowBytes(width) * height) throw new Error('1-bit PNG: wrong scanline size');
  return grayPngOf(raw, width, height, 1);
}

/** Base64 of bytes (chunked, so large buffers do not overflow the call stack). */
export function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
