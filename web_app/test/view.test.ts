import { describe, expect, it } from 'vitest';
import { fitView, zoomAt } from '../src/lib/view';
import { opsBounds } from '../src/lib/image';
import { modelBadge } from '../src/components/ModelPicker';
import type { ModelInfo } from '../src/api/types';

describe('view', () => {
  it('fits and centres without enlarging', () => {
    expect(fitView(1032, 800, 500, 400)).toEqual({ scale: 1, x: 266, y: 200 });
    const v = fitView(532, 432, 1000, 800);
    expect(v.scale).toBe(0.5);
    expect(v.x).toBe(16);
  });

  it('zooms around the pointer, keeping it fixed', () => {
    const v = zoomAt({ scale: 1, x: 0, y: 0 }, 2, 100, 50);
    expect(v).toEqual({ scale: 2, x: -100, y: -50 });
    expect(zoomAt(v, 1000, 0, 0).scale).toBe(16);
  });
});

describe('mask bounds', () => {
  it('covers strokes plus their radius, clamped to the image', () => {
    expect(opsBounds([], 100, 100)).toBeNull();
    expect(opsBounds([{ type: 'stroke', mode: 'brush', size: 10, points: [[50, 50], [60, 55]] }], 100, 100)).toEqual([43, 43, 67, 62]);
    expect(opsBounds([{ type: 'stroke', mode: 'brush', size: 40, points: [[2, 98]] }], 100, 100)).toEqual([0, 76, 24, 100]);
  });
});

describe('model badges', () => {
  const base = { name: 'lama', path: 'lama', model_type: 'inpaint' } as ModelInfo;
  it('renders states and tolerates unknown ones', () => {
    expect(modelBadge(base, 'lama')).toEqual({ text: 'in use', kind: 'ok' });
    expect(modelBadge(base, 'cv2').text).toBe('ready');
    expect(modelBadge({ ...base, state: 'needs_download', download_size: 205_669_692 }, 'cv2').text).toBe('download 206 MB');
    expect(modelBadge({ ...base, state: 'unsupported' }, 'cv2').kind).toBe('off');
    // What server-config actually sends.
    expect(modelBadge({ ...base, mend_state: 'needs_download', mend_download_bytes: 205_000_000 }, 'cv2').text).toBe('download 205 MB');
    expect(modelBadge({ ...base, mend_state: 'ready' }, 'cv2').text).toBe('ready');
    expect(modelBadge({ ...base, mend_state: 'unsupported' }, 'cv2')).toEqual({ text: 'not supported yet', kind: 'off' });
    expect(modelBadge({ ...base, state: 'warming_up' }, 'cv2').text).toBe('warming up');
  });
});
