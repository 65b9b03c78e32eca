// Image helpers: blobs, data URLs, decoding, mask rendering and export.
import { base64, bitPng, bitRowBytes } from './png';
import type { MaskOp } from './stack';

export function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(new Error('reading the image failed'));
    r.readAsDataURL(blob);
  });
}

export async function dataUrlToBlob(url: string): Promise<Blob> {
  return (await fetch(url)).blob();
}

export function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the image could not be decoded'));
    img.src = src;
  });
}

export function makeCanvas(w: number, h: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  return c;
}

function ctx2d(c: HTMLCanvasElement, willReadFrequently = true): CanvasRenderingContext2D {
  const ctx = c.getContext('2d', { willReadFrequently });
  if (!ctx) throw new Error('canvas 2D is not available');
  return ctx;
}

/** Draws one stroke segment list with round caps. */
export function drawStroke(ctx: CanvasRenderingContext2D, op: Extract<MaskOp, { type: 'stroke' }>, color: string): void {
  ctx.save();
  ctx.globalCompositeOperation = op.mode === 'erase' ? 'destination-out' : 'source-over';
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = op.size;
  const [first, ...rest] = op.points;
  if (first) {
    if (rest.length === 0) {
      ctx.beginPath();
      ctx.arc(first[0], first[1], op.size / 2, 0, Math.PI * 2);
      ctx.fill();
    } else {
      ctx.beginPath();
      ctx.moveTo(first[0], first[1]);
      for (const [x, y] of rest) ctx.lineTo(x, y);
      ctx.stroke();
    }
  }
  ctx.restore();
}

/** Renders mask ops onto `canvas` (cleared first) in `color` on transparent. */
export function renderMask(canvas: HTMLCanvasElement, ops: MaskOp[], color: string): void {
  const ctx = ctx2d(canvas);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (const op of ops) {
    if (op.type === 'replace') {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.save();
      ctx.drawImage(op.mask as CanvasImageSource, 0, 0, canvas.width, canvas.height);
      ctx.globalCompositeOperation = 'source-in';
      ctx.fillStyle = color;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.restore();
    } else {
      drawStroke(ctx, op, color);
    }
  }
}

/** The pixel box the mask operations can touch, clamped to the image ([x0, y0, x1, y1)). */
export function opsBounds(ops: MaskOp[], width: number, height: number): [number, number, number, number] | null {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const op of ops) {
    if (op.type === 'replace') return [0, 0, width, height];
    const r = op.size / 2 + 2;
    for (const [x, y] of op.points) {
      x0 = Math.min(x0, x - r);
      y0 = Math.min(y0, y - r);
      x1 = Math.max(x1, x + r);
      y1 = Math.max(y1, y + r);
    }
  }
  if (x0 === Infinity) return null;
  const box: [number, number, number, number] = [
    Math.max(0, Math.floor(x0)),
    Math.max(0, Math.floor(y0)),
    Math.min(width, Math.ceil(x1)),
    Math.min(height, Math.ceil(y1)),
  ];
  return box[2] > box[0] && box[3] > box[1] ? box : null;
}

/**
 * The mask as a 1-bit grayscale PNG (white = area to change), image-sized. `drawn` may be a
 * canvas that already shows exactly `ops` (the editor's overlay), which saves re-drawing them.
 * Only the operations' bounding box is read back from the canvas.
 */
export function maskPngBytes(ops: MaskOp[], width: number, height: number, drawn?: HTMLCanvasElement | null): Uint8Array {
  const stride = bitRowBytes(width);
  const raw = new Uint8Array(stride * height);
  const box = opsBounds(ops, width, height);
  if (box) {
    let source = drawn && drawn.width === width && drawn.height === height ? drawn : null;
    if (!source) {
      source = makeCanvas(width, height);
      ctx2d(source, true);
      renderMask(source, ops, '#ffffff');
    }
    const [bx, by, bx1, by1] = box;
    const bw = bx1 - bx;
    const rgba = ctx2d(source, true).getImageData(bx, by, bw, by1 - by).data;
    for (let y = by, j = 3; y < by1; y++) {
      const row = y * stride + 1;
      for (let x = bx; x < bx1; x++, j += 4) {
        if ((rgba[j] ?? 0) > 127) raw[row + (x >> 3)] = (raw[row + (x >> 3)] ?? 0) | (0x80 >> (x & 7));
      }
    }
  }
  return bitPng(raw, width, height);
}

/** [`maskPngBytes`] as a data URL (for the JSON routes). */
export function maskPngFast(ops: MaskOp[], width: number, height: number, drawn?: HTMLCanvasElement | null): string {
  return `data:image/png;base64,${base64(maskPngBytes(ops, width, height, drawn))}`;
}

/** The mask as an opaque black/white PNG data URL (white = area to change), image-sized. */
export function maskPng(ops: MaskOp[], width: number, height: number): string {
  const paint = makeCanvas(width, height);
  renderMask(paint, ops, '#ffffff');
  const out = makeCanvas(width, height);
  const ctx = ctx2d(out);
  ctx.fillStyle = '#000000';
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(paint, 0, 0);
  return out.toDataURL('image/png');
}

/** A binary mask canvas from a mask image whose masked pixels are bright or opaque-coloured. */
export async function maskFromImage(src: string, width: number, height: number, useAlpha: boolean): Promise<HTMLCanvasElement> {
  const img = await loadImage(src);
  const c = makeCanvas(width, height);
  const ctx = ctx2d(c);
  ctx.drawImage(img, 0, 0, width, height);
  const data = ctx.getImageData(0, 0, width, height);
  const px = data.data;
  for (let i = 0; i < px.length; i += 4) {
    const on = useAlpha
      ? (px[i + 3] ?? 0) > 127
      : 0.299 * (px[i] ?? 0) + 0.587 * (px[i + 1] ?? 0) + 0.114 * (px[i + 2] ?? 0) > 127;
    px[i] = px[i + 1] = px[i + 2] = 255;
    px[i + 3] = on ? 255 : 0;
  }
  ctx.putImageData(data, 0, 0);
  return c;
}

/** Extension for a MIME type, for downloads. */
export function extensionOf(mime: string, fallbackName: string): string {
  const m: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/bmp': 'bmp', 'image/gif': 'gif', 'image/tiff': 'tiff' };
  return m[mime] ?? fallbackName.split('.').pop() ?? 'png';
}

/** `photo.jpg` → `photo-mend.jpg` (extension from the result's type). */
export function downloadName(fileName: string, mime: string): string {
  const stem = fileName.replace(/\.[^./\\]+$/, '') || 'image';
  return `${stem}-mend.${extensionOf(mime, fileName)}`;
}
