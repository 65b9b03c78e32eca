// Making stack steps from bytes, and opening files.
import { blobToDataUrl, loadImage } from '../lib/image';
import { useEditor, type Step } from '../state/editor';
import { reportError, useUi } from '../state/ui';
import { deleteSnapshot } from '../api/mend';
import { sessionId } from '../lib/session';

/** Decodes `blob` (so the step is ready to show) and starts its data URL in the background. */
export async function makeStep(blob: Blob, source: Step['source'], historyId: string | null = null): Promise<Step> {
  const url = URL.createObjectURL(blob);
  try {
    const img = await loadImage(url);
    if (typeof img.decode === 'function') await img.decode().catch(() => undefined);
    const step: Step = { blob, url, width: img.naturalWidth, height: img.naturalHeight, historyId, source };
    // Encoded for the next request once the result is on screen, not while it is being shown.
    setTimeout(() => void stepDataUrl(step), 100);
    return step;
  } catch (e) {
    URL.revokeObjectURL(url);
    throw e;
  }
}

/** The data URL of a step's bytes (cached on the step). */
export function stepDataUrl(step: Step): Promise<string> {
  step.dataUrl ??= blobToDataUrl(step.blob);
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
