// Making stack steps from bytes, and opening files.
import { blobToDataUrl, loadImage, makeCanvas } from '../lib/image';
import { useEditor, type Step } from '../state/editor';
import { reportError, useUi } from '../state/ui';
import { deleteSnapshot, historyFileUrl, type CropRect } from '../api/mend';
import { sessionId } from '../lib/session';

/**
 * Decodes `blob` so the step is ready to show. `serverKey`: the SHA-256 under which the server
 * keeps these bytes (local edits then send only the mask).
 */
export async function makeStep(blob: Blob, source: Step['source'], historyId: string | null = null, serverKey: string | null = null): Promise<Step> {
  const url = URL.createObjectURL(blob);
  try {
    const img = await loadImage(url);
    if (typeof img.decode === 'function') await img.decode().catch(() => undefined);
    return { blob, url, width: img.naturalWidth, height: img.naturalHeight, historyId, source, serverKey };
  } catch (e) {
    URL.revokeObjectURL(url);
    throw e;
  }
}

/**
 * A result answered as its changed rectangle (`crop`): shown over `base` as soon as the small
 * patch is decoded (off the main thread); its whole bytes are loaded afterwards (`loadFull`).
 */
export async function makePatchStep(patch: Blob, crop: CropRect, base: Step, historyId: string, serverKey: string | null): Promise<Step> {
  const bitmap = await createImageBitmap(patch);
  return {
    blob: null,
    url: null,
    width: base.width,
    height: base.height,
    historyId,
    source: 'local',
    serverKey,
    patch: { base, x: crop.x, y: crop.y, bitmap },
  };
}

/**
 * Loads a patched step's bytes: the server keeps the whole result in history (the very bytes
 * a whole answer would have had). If that entry is gone, the image is composed here from the
 * base and the patch (PNG). The step then shows its own image; `loaded` tells the canvas.
 */
export function loadFull(step: Step): Promise<Blob> {
  if (step.blob) return Promise.resolve(step.blob);
  step.full ??= (async () => {
    let blob: Blob;
    try {
      if (!step.historyId) throw new Error('no history entry');
      const res = await fetch(historyFileUrl(step.historyId, 'output'));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      blob = await res.blob();
    } catch {
      blob = await composed(step);
    }
    const full = await makeStep(blob, step.source, step.historyId, step.serverKey ?? null);
    step.blob = full.blob;
    step.url = full.url;
    const bitmap = step.patch?.bitmap;
    step.patch = null;
    bitmap?.close();
    useEditor.getState().stepLoaded();
    return blob;
  })();
  return step.full;
}

/** The base's image with the patch drawn over it, as PNG. */
async function composed(step: Step): Promise<Blob> {
  const patch = step.patch;
  if (!patch) throw new Error('the result could not be loaded');
  const base = await createImageBitmap(await loadFull(patch.base));
  const canvas = makeCanvas(step.width, step.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('canvas 2D is not available');
  ctx.drawImage(base, 0, 0);
  base.close();
  ctx.clearRect(patch.x, patch.y, patch.bitmap.width, patch.bitmap.height);
  ctx.drawImage(patch.bitmap, patch.x, patch.y);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encoding the result failed'))), 'image/png'));
}

/** A step's bytes, waiting for them when the step is still a patch. */
export function stepBlob(step: Step): Promise<Blob> {
  return loadFull(step);
}

/** The data URL of a step's bytes (cached on the step; only the JSON routes need it). */
export function stepDataUrl(step: Step): Promise<string> {
  step.dataUrl ??= stepBlob(step).then(blobToDataUrl);
  return step.dataUrl;
}

const ACCEPTED = /^image\/(png|jpeg|webp|bmp|gif|tiff)$/;

/** Opens a picked, dropped or pasted image as a new document. */
export async function openFile(file: Blob, name: string): Promise<void> {
  const mime = file.type || 'image/png';
  if (!ACCEPTED.test(mime)) {
    useUi.getState().toast('error', 'Not an image', `${name} (${mime || 'unknown type'}) cannot be opened: use PNG, JPEG, WebP, BMP, GIF or TIFF.`);
    return;
  }
  try {
    const step = await makeStep(file, 'upload');
    useEditor.getState().open({ name, mime }, step);
    useUi.getState().setCompare(false);
    // The previous document's snapshot no longer applies; the new one is saved after the first erase.
    deleteSnapshot(sessionId()).catch(() => undefined);
  } catch (e) {
    reportError(`Could not open ${name}`, e);
  }
}

/** Opens an image from a URL (file manager, history). */
export async function openUrl(url: string, name: string, historyId: string | null = null): Promise<void> {
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const blob = await res.blob();
    const step = await makeStep(blob, 'history', historyId);
    useEditor.getState().open({ name, mime: blob.type || 'image/png' }, step);
    deleteSnapshot(sessionId()).catch(() => undefined);
  } catch (e) {
    reportError(`Could not open ${name}`, e);
  }
}
