// Cloud presets: Draft (cheapest), Final (best), Custom (pick size and quality).
import type { CloudModel } from '../../api/types';
import type { Preset } from '../../state/settings';

/** Size and quality of a preset for a model (Custom keeps the current values). */
export function presetValues(preset: Preset, model: CloudModel | undefined, current: { size: string; quality: string }): { size: string; quality: string } {
  if (!model || preset === 'custom') return current;
  const size = model.sizes.includes('1024x1024') ? '1024x1024' : (model.sizes[0] ?? current.size);
  const qualities = model.qualities;
  const quality = preset === 'draft' ? (qualities[0] ?? current.quality) : (qualities[qualities.length - 1] ?? current.quality);
  return { size, quality };
}

/** The price table entry of a size/quality, if listed. */
export function listPrice(model: CloudModel | undefined, size: string, quality: string): number | null {
  return model?.prices[`${size}/${quality}`] ?? null;
}
