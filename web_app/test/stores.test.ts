import { beforeEach, describe, expect, it, vi } from 'vitest';
import { currentStep, useEditor, type Step } from '../src/state/editor';
import { DEFAULT_SETTINGS, useSettings } from '../src/state/settings';
import { reportError, useUi } from '../src/state/ui';
import { hookUses, inpaintBody } from '../src/actions/run';
import { useServer } from '../src/state/server';
import type { PluginListing } from '../src/api/types';

const step = (id: string, historyId: string | null = null): Step => ({
  blob: new Blob([id]),
  url: `blob:${id}`,
  width: 4,
  height: 3,
  historyId,
  source: 'local',
});

beforeEach(() => {
  vi.stubGlobal('URL', Object.assign(URL, { revokeObjectURL: vi.fn() }));
});

describe('editor store', () => {
  it('opens, pushes results, undoes and revokes dropped URLs', () => {
    const ed = useEditor.getState();
    ed.open({ name: 'a.png', mime: 'image/png' }, step('o'));
    useEditor.getState().pushResult(step('r1', 'h1'));
    useEditor.getState().pushResult(step('r2', 'h2'));
    expect(currentStep(useEditor.getState())?.url).toBe('blob:r2');
    useEditor.getState().undo();
    useEditor.getState().undo();
    useEditor.getState().pushResult(step('r3', 'h3'));
    const s = useEditor.getState();
    expect(s.steps.map((x) => x.url)).toEqual(['blob:o', 'blob:r3']);
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:r1');
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:r2');
  });
});

describe('settings and requests', () => {
  it('builds the inpaint body from settings and enabled hooks', () => {
    const plugin = {
      id: 'mask-tools',
      enabled: true,
      params: { radius: 5 },
      manifest: { id: 'mask-tools', name: 'Mask tools', version: '1', api_version: '0.1.0', kind: 'processor', hooks: ['before-inpaint', 'tool'], description: '', capabilities: [], params: [{ name: 'radius', label: 'Radius', description: '', kind: 'integer', range: [0, 100, 1], default: 12 }, { name: 'op', label: 'Op', description: '', kind: 'choice', options: ['grow', 'shrink'], default: 'grow' }] },
    } as unknown as PluginListing;
    useServer.getState().setPlugins({ plugins: [plugin], errors: [], dir: '/p' });
    useSettings.getState().set({ ...DEFAULT_SETTINGS, cv2Flag: 'INPAINT_TELEA', hooks: { 'mask-tools': true } });
    useSettings.getState().setPluginParam('mask-tools', 'op', 'shrink');
    const s = useSettings.getState();
    expect(hookUses(s)).toEqual([{ id: 'mask-tools', params: { radius: 5, op: 'shrink' } }]);
    const body = inpaintBody('img', 'mask', s);
    expect(body).toMatchObject({ image: 'img', mask: 'mask', cv2_flag: 'INPAINT_TELEA', hd_strategy: 'Crop', hd_strategy_crop_margin: 128 });
    useSettings.getState().setHook('mask-tools', false);
    expect(hookUses(useSettings.getState())).toEqual([]);
    expect(JSON.parse(localStorage.getItem('mend.settings') ?? '{}').state.cv2Flag).toBe('INPAINT_TELEA');
  });

  it('never swallows errors silently (aborts excepted)', () => {
    reportError('Boom', new Error('the reason'));
    expect(useUi.getState().toasts.at(-1)).toMatchObject({ kind: 'error', title: 'Boom', message: 'the reason' });
    const n = useUi.getState().toasts.length;
    reportError('Abort', new DOMException('x', 'AbortError'));
    expect(useUi.getState().toasts.length).toBe(n);
  });
});
