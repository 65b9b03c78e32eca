// A generated test photo: a soft blue-grey gradient with one red disc (the object to erase).
import zlib from 'node:zlib';

export const W = 1024;
export const H = 768;
export const DISC = { cx: 512, cy: 384, r: 70 };
const [BASE_W, BASE_H, BASE_DISC] = [W, H, DISC];

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const v of buf) c = CRC[(c ^ v) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * The photo as PNG bytes. `grain` adds deterministic per-pixel noise of ± that many levels, the
 * way a camera's sensor does: a real photo's PNG is about ten times larger than the clean
 * drawing's, which is what a client sends and the server decodes. `scale` draws the same scene
 * that many times larger (4 ≈ 12 megapixels, a phone photo).
 */
export function photoPng({ grain = 0, scale = 1 } = {}) {
  const [W, H, DISC] = [BASE_W * scale, BASE_H * scale, { cx: BASE_DISC.cx * scale, cy: BASE_DISC.cy * scale, r: BASE_DISC.r * scale }];
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return grain ? Math.round(((seed >>> 16) / 65536 - 0.5) * 2 * grain) : 0;
  };
  const px = (v) => Math.max(0, Math.min(255, v + noise()));
  const stride = W * 3 + 1;
  const raw = Buffer.alloc(stride * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inDisc = (x - DISC.cx) ** 2 + (y - DISC.cy) ** 2 <= DISC.r ** 2;
      const o = y * stride + 1 + x * 3;
      const horizon = H * 0.68 + 26 * Math.sin(x / 90) + 12 * Math.sin(x / 23 + 1);
      if (inDisc) {
        const shade = 1 - 0.35 * (((x - DISC.cx + 25) ** 2 + (y - DISC.cy + 25) ** 2) / (DISC.r * 1.4) ** 2);
        raw.set([px(Math.round(225 * shade)), px(Math.round(45 * shade)), px(Math.round(40 * shade))], o);
      } else if (y > horizon) {
        const t = (y - horizon) / (H - horizon);
        const stripe = (Math.floor((x + y * 0.6) / 18) % 2) * 8;
        raw.set([px(Math.round(70 + 40 * t) + stripe), px(Math.round(128 - 30 * t) + stripe), px(Math.round(64 - 20 * t))], o);
      } else {
        const t = y / horizon;
        raw.set([px(Math.round(110 + 110 * t)), px(Math.round(160 + 60 * t)), px(Math.round(230 - 10 * t))], o);
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
