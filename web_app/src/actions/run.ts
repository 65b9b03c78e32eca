// Running an edit on the current image + mask: locally (`/api/v1/inpaint`) or in the cloud
// (`/api/v1/cloud/edit`, after the budget estimate), with progress, cancel and timing.
import type { InpaintRequest } from '../api/iopaint';
import { deleteJob, edit, type CropRect, type EditResult } from '../api/mend';
import { cloudEdit, cloudErrorMessage, estimate, usd } from '../api/cloud';
import { ApiError, describe } from '../api/client';
import type { PluginUse } from '../api/types';
import { maskPngBytes, maskPngFast } from '../lib/image';
import { sessionId, uuidv7 } from '../lib/session';
import { hasMask } from '../lib/stack';
import { currentStep, useEditor, type Step } from '../state/editor';
import { useServer } from '../state/server';
import { useSettings, type Settings } from '../state/settings';
import { useUi } from '../state/ui';
import { confirmDialog } from './confirm';
import { pluginValues } from './plugins';
import { loadFull, makePatchStep, makeStep, stepBlob, stepDataUrl } from './steps';
import { flushSync } from 'react-dom';

/** Hook plugins enabled for erasing, with their parameter values. */
export function hookUses(s: Settings): PluginUse[] {
  const plugins = useServer.getState().plugins?.plugins ?? [];
  return plugins
    .filter((p) => p.enabled && s.hooks[p.id] && p.manifest.hooks.some((h) => h !== 'tool'))
    .map((p) => ({ id: p.id, params: pluginValues(p) }));
}

/** The request body of a local erase through IOPaint's JSON route. */
export function inpaintBody(image: string, mask: string, s: Settings): InpaintRequest {
  return { image, mask, ...inpaintSettings(s) };
}

/** The inpaint fields of a local erase, without image and mask. */
export function inpaintSettings(s: Settings): Omit<InpaintRequest, 'image' | 'mask'> {
  return {
    cv2_flag: s.cv2Flag,
    cv2_radius: s.cv2Radius,
    hd_strategy: s.hdStrategy,
    hd_strategy_crop_trigger_size: s.cropTrigger,
    hd_strategy_crop_margin: s.cropMargin,
    hd_strategy_resize_limit: s.resizeLimit,
    sd_seed: 42,
    plugins: hookUses(s),
  };
}

/**
 * A local edit through `POST /api/v1/edit`: only the mask when the server keeps the image,
 * else the image bytes too (once; the server then keeps them). Asks for only the changed
 * rectangle of the result (`crop`): the rest of the picture is already on screen.
 */
async function localEdit(step: Step, mask: Uint8Array, s: Settings, jobId: string, signal: AbortSignal): Promise<EditResult> {
  const settings = inpaintSettings(s);
  if (step.serverKey) {
    try {
      return await edit({ image: null, imageSha256: step.serverKey, mask, settings, jobId, crop: true }, signal);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 412)) throw e;
      step.serverKey = null; // the server no longer has it: send it again
    }
  }
  const r = await edit({ image: await stepBlob(step), imageSha256: null, mask, settings, jobId, crop: true }, signal);
  if (r.inputSha256) step.serverKey = r.inputSha256;
  return r;
}

/** Resolves at the start of the frame that paints the new result. */
function nextFrame(): Promise<void> {
  return new Promise((r) => requestAnimationFrame(() => r()));
}

/** Runs the edit for the current mask. `t0`: when the user asked (stroke end), for timing. */
export async function runEdit(t0 = performance.now()): Promise<void> {
  const ui = useUi.getState();
  const editor = useEditor.getState();
  const step = currentStep(editor);
  if (!step || ui.job) return;
  if (!hasMask(editor)) {
    ui.toast('info', 'Nothing to erase', 'Paint over the area to remove first.');
    return;
  }
  const settings = useSettings.getState();
  const controller = new AbortController();
  const cloud = settings.mode === 'cloud';
  // A local job's id is chosen here, so Cancel stops exactly this job even before the answer
  // (or any Socket.IO event) arrives.
  const jobId = cloud ? null : uuidv7();
  ui.setJob({
    kind: cloud ? 'cloud' : 'local',
    label: cloud ? 'Cloud edit' : 'Erasing',
    startedAt: t0,
    progress: null,
    jobId,
    cancel: () => {
      const id = jobId ?? useUi.getState().job?.jobId;
      controller.abort();
      if (id) deleteJob(id).catch(() => undefined);
    },
  });
  try {
    const overlay = document.querySelector<HTMLCanvasElement>('canvas[data-testid=mask-canvas]');
    let blob: Blob;
    let historyId: string | null = null;
    let serverKey: string | null = null;
    let crop: CropRect | null = null;
    let note = '';
    let tMask: number;
    let tReq: number;
    if (cloud) {
      const mask = maskPngFast(editor.ops, step.width, step.height, overlay);
      const image = await stepDataUrl(step);
      tMask = tReq = performance.now();
      const r = await runCloud(image, mask, settings, controller.signal);
      if (!r) return;
      blob = r.blob;
      note = `${r.costUsd !== null ? usd(r.costUsd) : 'cost unknown'}${r.dedupe === 'hit' ? ' (cached, free)' : ''}`;
    } else {
      const mask = maskPngBytes(editor.ops, step.width, step.height, overlay);
      tMask = tReq = performance.now();
      performance.mark('mend:mask');
      const r = await localEdit(step, mask, settings, jobId ?? uuidv7(), controller.signal);
      blob = r.blob;
      historyId = r.historyId;
      serverKey = r.imageSha256;
      crop = r.crop;
    }
    const requestMs = performance.now() - tReq;
    performance.mark('mend:body');
    const next =
      crop && historyId
        ? await makePatchStep(blob, crop, step, historyId, serverKey)
        : await makeStep(blob, cloud ? 'cloud' : 'local', historyId, serverKey);
    const tDecoded = performance.now();
    performance.mark('mend:decoded');
    const ed = useEditor.getState();
    if (ed.index === 0 && historyId && !ed.originalHistoryId) ed.setOriginalHistoryId(historyId);
    // Rendered now (not at React's next tick), so the next frame is the one that shows it.
    flushSync(() => ed.pushResult(next));
    const tRendered = performance.now();
    performance.mark('mend:rendered');
    await nextFrame();
    const uiMs = performance.now() - t0;
    useUi.getState().setTiming({ uiMs, requestMs });
    const phases = { maskMs: tMask - t0, requestMs, decodeMs: tDecoded - tReq - requestMs, renderMs: tRendered - tDecoded, frameMs: t0 + uiMs - tRendered };
    document.dispatchEvent(new CustomEvent('mend:result', { detail: { t0, uiMs, requestMs, historyId, phases } }));
    if (note) useUi.getState().toast('success', 'Cloud edit done', note);
    // The result's own bytes (download, undo, other routes), after it is on screen.
    if (next.patch) loadFull(next).catch((e: unknown) => useUi.getState().toast('error', 'Loading the result failed', describe(e)));
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') {
      useUi.getState().toast('info', 'Cancelled', 'The edit was cancelled.');
    } else if (cloud) {
      const m = cloudErrorMessage(e);
      useUi.getState().toast('error', m.title, m.message);
    } else {
      useUi.getState().toast('error', 'Erase failed', describe(e));
    }
  } finally {
    useUi.getState().setJob(null);
  }
}

async function runCloud(image: string, mask: string, s: Settings, signal: AbortSignal) {
  const session_id = sessionId();
  const est = await estimate(
    { model: s.cloudModel, operation: 'edit', size: s.cloudSize, quality: s.cloudQuality, n: 1, session_id },
    signal,
  );
  if (!est.allowed) {
    const b = est.blocked_by;
    const ui = useUi.getState();
    if (b) {
      ui.toast('error', 'Budget cap reached', `This edit (${usd(b.estimate_usd)}) would exceed the ${b.cap} cap: ${usd(b.spent_usd)} of ${usd(b.limit_usd)} spent.`);
    } else if (est.retry_after_secs !== null) {
      ui.toast('error', 'Too many cloud requests', `Try again in ${Math.ceil(est.retry_after_secs)} s.`);
    } else {
      ui.toast('error', 'Cloud edit not allowed', 'The budget guard refused this edit.');
    }
    return null;
  }
  if (est.estimate_usd > s.confirmAboveUsd) {
    const ok = await confirmDialog(
      'Send to the cloud?',
      `This edit is estimated at ${usd(est.estimate_usd)} (${s.cloudModel}, ${s.cloudSize}, ${s.cloudQuality}).`,
      `Spend ${usd(est.estimate_usd)}`,
    );
    if (!ok) return null;
  }
  return cloudEdit(
    { image, mask, prompt: s.prompt, model: s.cloudModel, size: s.cloudSize, quality: s.cloudQuality, n: 1, session_id },
    signal,
  );
}
