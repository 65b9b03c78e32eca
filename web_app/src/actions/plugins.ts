// Plugin actions: refresh the list, run a tool on the current image, manage plugins.
import { describe } from '../api/client';
import { listPlugins, runPlugin } from '../api/plugins';
import type { PluginListing } from '../api/types';
import { dataUrlToBlob, maskPng } from '../lib/image';
import { currentStep, useEditor } from '../state/editor';
import { useServer } from '../state/server';
import { useSettings } from '../state/settings';
import { reportError, useUi } from '../state/ui';
import { setMaskFromImage } from './mask';
import { makeStep, stepDataUrl } from './steps';

export async function refreshPlugins(): Promise<void> {
  try {
    useServer.getState().setPlugins(await listPlugins());
  } catch (e) {
    reportError('Could not list plugins', e);
  }
}

/** The values a plugin runs with: manifest defaults < server config < the user's edits. */
export function pluginValues(p: PluginListing): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const spec of p.manifest.params) out[spec.name] = spec.default;
  return { ...out, ...p.params, ...useSettings.getState().pluginParams[p.id] };
}

/** Runs a tool plugin on the current image and mask; an image result becomes a new step. */
export async function runTool(p: PluginListing): Promise<void> {
  const ui = useUi.getState();
  const ed = useEditor.getState();
  const step = currentStep(ed);
  if (!step || ui.job) {
    if (!step) ui.toast('info', 'Open an image first', `${p.manifest.name} works on the open image.`);
    return;
  }
  const controller = new AbortController();
  ui.setJob({ kind: 'plugin', label: p.manifest.name, startedAt: performance.now(), progress: null, jobId: null, cancel: () => controller.abort() });
  try {
    const mask = ed.ops.length ? maskPng(ed.ops, step.width, step.height) : undefined;
    const result = await runPlugin(p.id, { image: await stepDataUrl(step), ...(mask ? { mask } : {}), params: pluginValues(p) });
    if (result.image) {
      const next = await makeStep(await dataUrlToBlob(result.image), 'plugin', null);
      useEditor.getState().pushResult(next);
      useUi.getState().toast('success', `${p.manifest.name} done`, `${next.width}×${next.height}`);
    } else if (result.mask) {
      await setMaskFromImage(result.mask, false);
      useUi.getState().toast('success', `${p.manifest.name} done`, 'The mask was updated.');
    } else {
      useUi.getState().toast('info', `${p.manifest.name} returned nothing`, '');
    }
  } catch (e) {
    useUi.getState().toast('error', `${p.manifest.name} failed`, describe(e));
  } finally {
    useUi.getState().setJob(null);
  }
}

export { reportError };
