// Settings: model, model options (cv2, HD strategy), mask tools, editor behaviour.
import { adjustCurrentMask } from '../actions/mask';
import { useEditor } from '../state/editor';
import { useServer } from '../state/server';
import { useSettings, type Cv2Flag, type HdStrategy } from '../state/settings';
import { NumberField, Section, SelectField, Toggle } from './Field';
import { ModelPicker } from './ModelPicker';
import { PluginModels } from './PluginModels';

const HD: readonly { value: HdStrategy; label: string }[] = [
  { value: 'Crop', label: 'Crop around the mask' },
  { value: 'Resize', label: 'Resize to a limit' },
  { value: 'Original', label: 'Original size' },
];

const CV2: readonly { value: Cv2Flag; label: string }[] = [
  { value: 'INPAINT_NS', label: 'Navier–Stokes' },
  { value: 'INPAINT_TELEA', label: 'Telea' },
];

export function SettingsPanel() {
  const s = useSettings();
  const model = useServer((st) => st.model);
  const config = useServer((st) => st.config);
  const hasImage = useEditor((st) => st.steps.length > 0);
  return (
    <div>
      <Section title="Model" actions={<span className="muted small">device: <strong data-testid="device">{config?.device ?? '…'}</strong></span>}>
        <ModelPicker />
        <PluginModels />
      </Section>
      {model === 'cv2' && (
        <Section title="cv2 options">
          <SelectField label="Algorithm" value={s.cv2Flag} options={CV2} onChange={(v) => s.set({ cv2Flag: v })} />
          <NumberField label="Radius" value={s.cv2Radius} min={1} max={20} onChange={(v) => s.set({ cv2Radius: v })} hint="Neighbourhood considered around each pixel." />
        </Section>
      )}
      {model === 'migan' && (
        <Section title="migan options">
          <p className="hint">MI-GAN works at 512×512: each masked region is cropped with a 128 px margin and scaled to fit, so the high-resolution strategy does not apply.</p>
        </Section>
      )}
      {model !== null && model !== 'cv2' && model !== 'migan' && (
        <Section title={`${model} options`}>
          <p className="hint">{model} uses the high-resolution strategy below; it works best on masks under 512 px.</p>
        </Section>
      )}
      {model !== 'migan' && (
        <Section title="High-resolution strategy">
          <SelectField label="Strategy" value={s.hdStrategy} options={HD} onChange={(v) => s.set({ hdStrategy: v })} />
          {s.hdStrategy === 'Crop' && (
            <>
              <NumberField label="Crop trigger size" value={s.cropTrigger} min={256} max={4096} step={32} onChange={(v) => s.set({ cropTrigger: v })} hint="Images larger than this are cropped around each mask box." />
              <NumberField label="Crop margin" value={s.cropMargin} min={0} max={512} step={8} onChange={(v) => s.set({ cropMargin: v })} />
            </>
          )}
          {s.hdStrategy === 'Resize' && (
            <NumberField label="Resize limit" value={s.resizeLimit} min={256} max={4096} step={32} onChange={(v) => s.set({ resizeLimit: v })} />
          )}
        </Section>
      )}
      <Section title="Mask tools">
        <NumberField label="Kernel size" value={s.kernelSize} min={1} max={100} onChange={(v) => s.set({ kernelSize: v })} />
        <div className="row wrap">
          <button type="button" className="btn" disabled={!hasImage} onClick={() => void adjustCurrentMask('expand')}>Expand</button>
          <button type="button" className="btn" disabled={!hasImage} onClick={() => void adjustCurrentMask('shrink')}>Shrink</button>
          <button type="button" className="btn" disabled={!hasImage} onClick={() => void adjustCurrentMask('reverse')}>Invert</button>
          <button type="button" className="btn" disabled={!hasImage} onClick={() => useEditor.getState().clearMask()}>Clear</button>
        </div>
      </Section>
      <Section title="Editor">
        <Toggle label="Run when a stroke ends" checked={s.autoRun} onChange={(v) => s.set({ autoRun: v })} hint="Off: paint several strokes, then press Erase (Enter)." />
        <SelectField
          label="Theme"
          value={s.theme}
          options={[{ value: 'system', label: 'System' }, { value: 'dark', label: 'Dark' }, { value: 'light', label: 'Light' }] as const}
          onChange={(v) => s.set({ theme: v })}
        />
        <details className="shortcuts">
          <summary>Keyboard shortcuts</summary>
          <dl>
            <dt>[ / ]</dt><dd>Brush size</dd>
            <dt>B / E</dt><dd>Brush / mask eraser</dd>
            <dt>Ctrl+Z, Ctrl+Shift+Z</dt><dd>Undo, redo</dd>
            <dt>Space + drag, wheel</dt><dd>Pan, zoom</dd>
            <dt>R</dt><dd>Reset zoom</dd>
            <dt>C</dt><dd>Compare with the original</dd>
            <dt>Enter</dt><dd>Erase now</dd>
            <dt>Esc</dt><dd>Cancel the running job, or clear the mask</dd>
            <dt>Ctrl+O, Ctrl+S</dt><dd>Open, download</dd>
          </dl>
        </details>
      </Section>
    </div>
  );
}
