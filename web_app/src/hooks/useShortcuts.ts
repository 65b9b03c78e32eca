// Keyboard shortcuts (IOPaint's where they exist), paste and drag-and-drop upload.
import { useEffect } from 'react';
import { downloadCurrent } from '../actions/download';
import { runEdit } from '../actions/run';
import { openFile } from '../actions/steps';
import { useEditor } from '../state/editor';
import { useSettings } from '../state/settings';
import { useUi } from '../state/ui';
import { zoomAt } from '../lib/view';

function zoomCentre(factor: number): void {
  const vp = document.querySelector('.viewport');
  const ui = useUi.getState();
  ui.setView(zoomAt(ui.view, factor, (vp?.clientWidth ?? 0) / 2, (vp?.clientHeight ?? 0) / 2));
}

function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable);
}

export function handleKey(e: KeyboardEvent): boolean {
  const mod = e.ctrlKey || e.metaKey;
  const ed = useEditor.getState();
  const ui = useUi.getState();
  const st = useSettings.getState();
  const k = e.key.toLowerCase();
  if (mod && k === 'z') {
    if (e.shiftKey) ed.redo();
    else ed.undo();
  } else if (mod && k === 'y') ed.redo();
  else if (mod && k === 's') void downloadCurrent();
  else if (mod && k === 'o') document.getElementById('file-input')?.click();
  else if (mod) return false;
  else if (e.key === '[') st.set({ brushSize: Math.max(4, st.brushSize - 5) });
  else if (e.key === ']') st.set({ brushSize: Math.min(200, st.brushSize + 5) });
  else if (k === 'r') document.dispatchEvent(new Event('mend:fit'));
  else if (e.key === '+' || e.key === '=' || e.key === '-') zoomCentre(e.key === '-' ? 1 / 1.25 : 1.25);
  else if (k === 'b') ui.setTool('brush');
  else if (k === 'e') ui.setTool('erase');
  else if (k === 'c') ui.setCompare(!ui.compare);
  else if (k === 'h') ui.setTab('history');
  else if (e.key === 'Enter') void runEdit();
  else if (e.key === 'Escape') {
    if (ui.job) ui.job.cancel();
    else ed.clearMask();
  } else return false;
  return true;
}

export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (typing(e.target) || e.repeat) return;
      if ((e.target as HTMLElement | null)?.tagName === 'BUTTON' && (e.key === 'Enter' || e.key === ' ')) return;
      if (handleKey(e)) e.preventDefault();
    };
    const onPaste = (e: ClipboardEvent): void => {
      if (typing(e.target)) return;
      const item = Array.from(e.clipboardData?.items ?? []).find((i) => i.type.startsWith('image/'));
      const file = item?.getAsFile();
      if (file) {
        e.preventDefault();
        void openFile(file, file.name && file.name !== 'image.png' ? file.name : `pasted.${file.type.split('/')[1] ?? 'png'}`);
      }
    };
    const onDragOver = (e: DragEvent): void => {
      if (e.dataTransfer?.types.includes('Files')) {
        e.preventDefault();
        document.body.classList.add('dragging');
      }
    };
    const onDragLeave = (e: DragEvent): void => {
      if (e.relatedTarget === null) document.body.classList.remove('dragging');
    };
    const onDrop = (e: DragEvent): void => {
      document.body.classList.remove('dragging');
      const file = e.dataTransfer?.files[0];
      if (file) {
        e.preventDefault();
        void openFile(file, file.name);
      }
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('paste', onPaste);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('paste', onPaste);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
}
