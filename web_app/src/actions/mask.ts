// Mask tools on the server (expand, shrink, invert) and masks produced by plugins.
import { adjustMask, type MaskOperation } from '../api/iopaint';
import { blobToDataUrl, maskFromImage, maskPng } from '../lib/image';
import { currentStep, useEditor } from '../state/editor';
import { useSettings } from '../state/settings';
import { reportError, useUi } from '../state/ui';

/** Replaces the mask with an image mask (white or opaque = masked). */
export async function setMaskFromImage(src: string, useAlpha: boolean): Promise<void> {
  const step = currentStep(useEditor.getState());
  if (!step) return;
  const mask = await maskFromImage(src, step.width, step.height, useAlpha);
  useEditor.getState().addOp({ type: 'replace', mask });
}

export async function adjustCurrentMask(op: MaskOperation): Promise<void> {
  const ed = useEditor.getState();
  const step = currentStep(ed);
  if (!step) return;
  if (ed.ops.length === 0 && op !== 'reverse') {
    useUi.getState().toast('info', 'No mask yet', 'Paint a mask first.');
    return;
  }
  try {
    const png = maskPng(ed.ops, step.width, step.height);
    const out = await adjustMask(png, op, useSettings.getState().kernelSize);
    // The answer is an RGBA overlay: opaque where masked.
    await setMaskFromImage(await blobToDataUrl(out), true);
  } catch (e) {
    reportError('Mask tool failed', e);
  }
}
