// Mask generators in the editor: pick one (the toolbar's wand or a plugin card), click on the
// image, and the plugin's mask is merged into the current mask as one undoable step; then the
// normal erase flow runs (when "Auto" is on). Alt+click removes the picked region instead.
import { describe } from '../api/client';
import { runPlugin } from '../api/plugins';
import type { PluginListing } from '../api/types';
import { makeCanvas, maskFromImage, renderMask } from '../lib/image';
import { currentStep, useEditor } from '../state/editor';
import { useMaskPick } from '../state/maskPick';
import { useServer } from '../state/server';
import { useSettings } from '../state/settings';
import { useUi } from '../state/ui';
import { pluginValues } from './plugins';
import { runEdit } from './run';
import { stepDataUrl } from './steps';

/** Enabled mask-generator plugins. */
export function maskGenerators(plugins: PluginListing[] | undefined): PluginListing[] {
  return (plugins ?? []).filter((p) => p.enabled && p.manifest.kind === 'mask-generator');
}

/** The armed generator's listing, if it is still installed and enabled. */
function armedPlugin(): PluginListing | null {
  const id = useMaskPick.getState().pluginId;
  if (!id) return null;
  return maskGenerators(useServer.getState().plugins?.plugins).find((p) => p.id === id) ?? null;
}

/**
 * The union (or, with `subtract`, the difference) of the current mask and `generated`, as a
 * new mask canvas: white where masked, transparent elsewhere.
 */
export function mergedMask(generated: CanvasImageSource, width: number, height: number, subtract: boolean): HTMLCanvasElement {
  const merged = makeCanvas(width, height);
  renderMask(merged, useEditor.getState().ops, '#ffffff');
  const ctx = merged.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('canvas 2D is not available');
  ctx.save();
  ctx.globalCompositeOperation = subtract ? 'destination-out' : 'source-over';
  ctx.drawImage(generated, 0, 0, width, height);
  ctx.restore();
  return merged;
}

/**
 * Handles a canvas click at image pixel `[x, y]`. Returns false when no generator is armed
 * (the click paints as usual); otherwise asks the plugin for a mask and merges it.
 */
export function pickAt([x, y]: [number, number], subtract: boolean): boolean {
  const plugin = armedPlugin();
  if (!plugin) return false;
  void generateAt(plugin, Math.floor(x), Math.floor(y), subtract);
  return true;
}

async function generateAt(plugin: PluginListing, x: number, y: number, subtract: boolean): Promise<void> {
  const ui = useUi.getState();
  const step = currentStep(useEditor.getState());
  if (!step || ui.job) return;
  if (x < 0 || y < 0 || x >= step.width || y >= step.height) return;
  const t0 = performance.now();
  const controller = new AbortController();
  ui.setJob({ kind: 'plugin', label: plugin.manifest.name, startedAt: t0, progress: null, jobId: null, cancel: () => controller.abort() });
  let merged = false;
  try {
    const result = await runPlugin(plugin.id, { image: await stepDataUrl(step), params: pluginValues(plugin), points: [[x, y, true]] });
    if (!result.mask) throw new Error('the plugin returned no mask');
    // Still the same image on screen? A result that arrived meanwhile makes this mask stale.
    if (currentStep(useEditor.getState()) !== step) return;
    const generated = await maskFromImage(result.mask, step.width, step.height, false);
    useEditor.getState().addOp({ type: 'replace', mask: mergedMask(generated, step.width, step.height, subtract) });
    merged = true;
  } catch (e) {
    useUi.getState().toast('error', `${plugin.manifest.name} failed`, describe(e));
  } finally {
    useUi.getState().setJob(null);
  }
  if (merged && !subtract && useSettings.getState().autoRun) await runEdit(t0);
}
