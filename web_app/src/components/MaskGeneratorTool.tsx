// The toolbar's mask-generator tool: a toggle that arms the chosen generator (click on the
// image to select a region), and a picker when several generators are installed. Renders
// nothing without an enabled mask-generator plugin.
import { useEffect } from 'react';
import { maskGenerators } from '../actions/maskGenerator';
import { useEditor } from '../state/editor';
import { useMaskPick } from '../state/maskPick';
import { useServer } from '../state/server';
import { useUi } from '../state/ui';
import { Icon } from './Icon';

export function MaskGeneratorTool() {
  const generators = maskGenerators(useServer((s) => s.plugins?.plugins));
  const armed = useMaskPick((s) => s.pluginId);
  const arm = useMaskPick((s) => s.arm);
  const hasImage = useEditor((s) => s.steps.length > 0);
  const tool = useUi((s) => s.tool);
  const first = generators[0];
  const armedOk = generators.some((p) => p.id === armed);

  // Choosing the brush or the mask eraser puts the wand down; so does uninstalling it.
  useEffect(() => {
    useMaskPick.getState().arm(null);
  }, [tool]);
  useEffect(() => {
    if (armed && !armedOk) arm(null);
  }, [armed, armedOk, arm]);

  if (!first) return null;
  const selected = generators.find((p) => p.id === armed) ?? first;
  return (
    <div className="row" data-testid="mask-generator-tool">
      <button
        type="button"
        aria-pressed={armedOk}
        className={`btn icon${armedOk ? ' active' : ''}`}
        disabled={!hasImage}
        onClick={() => arm(armedOk ? null : selected.id)}
        title={`${selected.manifest.name}: click on the image to select a region (Alt+click removes)`}
        aria-label={selected.manifest.name}
      >
        <Icon name="wand" />
      </button>
      {generators.length > 1 && (
        <select aria-label="Mask generator" value={selected.id} onChange={(e) => arm(e.target.value)}>
          {generators.map((p) => (
            <option key={p.id} value={p.id}>
              {p.manifest.name}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}
