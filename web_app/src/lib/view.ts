// View transform maths: fit an image in the viewport, zoom around a point.
import type { View } from '../state/ui';

const MIN_SCALE = 0.05;
const MAX_SCALE = 16;

/** The view that fits a w×h image in the viewport, centred (never enlarged above 100 %). */
export function fitView(vw: number, vh: number, w: number, h: number): View {
  const scale = Math.min(1, (vw - 32) / w, (vh - 32) / h);
  const s = Math.max(MIN_SCALE, scale);
  return { scale: s, x: (vw - w * s) / 2, y: (vh - h * s) / 2 };
}

/** Zooms around the viewport point (cx, cy). */
export function zoomAt(v: View, factor: number, cx: number, cy: number): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale * factor));
  const k = scale / v.scale;
  return { scale, x: cx - (cx - v.x) * k, y: cy - (cy - v.y) * k };
}
