import { describe, expect, it } from 'vitest';
import { maskGenerators, pickAt } from '../src/actions/maskGenerator';
import type { PluginListing } from '../src/api/types';
import { useMaskPick } from '../src/state/maskPick';
import { useServer } from '../src/state/server';

const plugin = (id: string, kind: PluginListing['manifest']['kind'], enabled = true): PluginListing =>
  ({
    id,
    enabled,
    manifest: { id, name: id, version: '0.1.0', api_version: '0.1.0', kind, hooks: [], description: '', params: [], capabilities: [] },
    params: {},
    granted: [],
    file: `${id}.wasm`,
    hash: '',
    size: 0,
    loaded_at: 0,
  }) as unknown as PluginListing;

describe('mask generators', () => {
  it('offers only enabled mask-generator plugins', () => {
    const list = [plugin('wand', 'mask-generator'), plugin('off', 'mask-generator', false), plugin('up', 'processor')];
    expect(maskGenerators(list).map((p) => p.id)).toEqual(['wand']);
    expect(maskGenerators(undefined)).toEqual([]);
  });

  it('a click picks only while an installed generator is armed', () => {
    useServer.getState().setPlugins({ plugins: [plugin('wand', 'mask-generator')], errors: [], dir: '/p' } as never);
    useMaskPick.getState().arm(null);
    expect(pickAt([3, 4], false)).toBe(false);
    useMaskPick.getState().arm('wand');
    // Armed: the click is taken (with no image open it then does nothing).
    expect(pickAt([3, 4], false)).toBe(true);
    useMaskPick.getState().arm('gone');
    expect(pickAt([3, 4], false)).toBe(false);
    useMaskPick.getState().arm(null);
  });
});
