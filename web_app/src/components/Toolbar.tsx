// The top bar: open, tools, brush size, undo/redo, zoom, compare, run, download, mode, theme.
import { downloadCurrent } from '../actions/download';
import { runEdit } from '../actions/run';
import { canRedo, canUndo, hasMask } from '../lib/stack';
import { useEditor } from '../state/editor';
import { useSettings } from '../state/settings';
import { useUi } from '../state/ui';
import { zoomAt } from '../lib/view';
import { Icon } from './Icon';
import { MaskGeneratorTool } from './MaskGeneratorTool';
import { OpenButton } from './OpenButton';

export function Toolbar() {
  const hasImage = useEditor((s) => s.steps.length > 0);
  const undoable = useEditor((s) => canUndo(s));
  const redoable = useEditor((s) => canRedo(s));
  const masked = useEditor((s) => hasMask(s));
  const tool = useUi((s) => s.tool);
  const compare = useUi((s) => s.compare);
  const busy = useUi((s) => s.job !== null);
  const scale = useUi((s) => s.view.scale);
  const brushSize = useSettings((s) => s.brushSize);
  const autoRun = useSettings((s) => s.autoRun);
  const mode = useSettings((s) => s.mode);
  const theme = useSettings((s) => s.theme);
  const set = useSettings((s) => s.set);
  const ui = useUi.getState;

  const zoom = (f: number): void => {
    const vp = document.querySelector('.viewport');
    ui().setView(zoomAt(ui().view, f, (vp?.clientWidth ?? 0) / 2, (vp?.clientHeight ?? 0) / 2));
  };

  return (
    <header className="toolbar" role="toolbar" aria-label="Editor tools">
      <div className="brand">
        <img src="/favicon.svg" alt="" width={22} height={22} />
        <span>mend</span>
      </div>
      <OpenButton />
      <div className="group" role="radiogroup" aria-label="Tool">
        <button type="button" role="radio" aria-checked={tool === 'brush'} className={`btn icon${tool === 'brush' ? ' active' : ''}`} onClick={() => ui().setTool('brush')} title="Brush (B)" aria-label="Brush">
          <Icon name="brush" />
        </button>
        <button type="button" role="radio" aria-checked={tool === 'erase'} className={`btn icon${tool === 'erase' ? ' active' : ''}`} onClick={() => ui().setTool('erase')} title="Mask eraser (E)" aria-label="Mask eraser">
          <Icon name="erase" />
        </button>
      </div>
      <MaskGeneratorTool />
      <label className="slider" title="Brush size ([ and ])">
        <span>Size</span>
        <input type="range" min={4} max={200} value={brushSize} onChange={(e) => set({ brushSize: Number(e.target.value) })} aria-label="Brush size" />
        <output>{brushSize}</output>
      </label>
      <div className="group">
        <button type="button" className="btn icon" disabled={!undoable || busy} onClick={() => useEditor.getState().undo()} title="Undo (Ctrl+Z)" aria-label="Undo">
          <Icon name="undo" />
        </button>
        <button type="button" className="btn icon" disabled={!redoable || busy} onClick={() => useEditor.getState().redo()} title="Redo (Ctrl+Shift+Z)" aria-label="Redo">
          <Icon name="redo" />
        </button>
      </div>
      <div className="group">
        <button type="button" className="btn icon" disabled={!hasImage} onClick={() => zoom(1 / 1.25)} title="Zoom out (-)" aria-label="Zoom out">
          <Icon name="zoomOut" />
        </button>
        <span className="zoom" aria-live="polite">{Math.round(scale * 100)}%</span>
        <button type="button" className="btn icon" disabled={!hasImage} onClick={() => zoom(1.25)} title="Zoom in (+)" aria-label="Zoom in">
          <Icon name="zoomIn" />
        </button>
        <button type="button" className="btn icon" disabled={!hasImage} onClick={() => document.dispatchEvent(new Event('mend:fit'))} title="Reset zoom (R)" aria-label="Reset zoom">
          <Icon name="fit" />
        </button>
      </div>
      <button type="button" aria-pressed={compare} className={`btn${compare ? ' active' : ''}`} disabled={!hasImage} onClick={() => ui().setCompare(!compare)} title="Compare with the original (C)">
        <Icon name="compare" /> Compare
      </button>
      <span className="spacer" />
      <div className="group mode-switch" role="radiogroup" aria-label="Where edits run">
        <button type="button" role="radio" aria-checked={mode === 'local'} className={`btn${mode === 'local' ? ' active' : ''}`} onClick={() => set({ mode: 'local' })}>
          <Icon name="chip" /> Local
        </button>
        <button type="button" role="radio" aria-checked={mode === 'cloud'} className={`btn${mode === 'cloud' ? ' active' : ''}`} onClick={() => { set({ mode: 'cloud' }); ui().setTab('cloud'); }}>
          <Icon name="cloud" /> Cloud
        </button>
      </div>
      <label className="check" title="Run as soon as a stroke ends">
        <input type="checkbox" checked={autoRun} onChange={(e) => set({ autoRun: e.target.checked })} /> Auto
      </label>
      <button type="button" className="btn primary" disabled={!masked || busy} onClick={() => void runEdit()} title="Erase the masked area (Enter)">
        <Icon name="run" /> {mode === 'cloud' ? 'Edit' : 'Erase'}
      </button>
      <button type="button" className="btn icon" disabled={!hasImage} onClick={() => void downloadCurrent()} title="Download the result (Ctrl+S)" aria-label="Download">
        <Icon name="download" />
      </button>
      <button
        type="button"
        className="btn icon"
        onClick={() => set({ theme: theme === 'dark' ? 'light' : theme === 'light' ? 'system' : 'dark' })}
        title={`Theme: ${theme}`}
        aria-label={`Theme: ${theme} (click to change)`}
      >
        <Icon name={theme === 'light' ? 'sun' : 'moon'} />
      </button>
    </header>
  );
}
