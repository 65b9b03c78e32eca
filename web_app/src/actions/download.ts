// Downloading the current result in the original file's format.
import { downloadName } from '../lib/image';
import { currentStep, useEditor } from '../state/editor';

export function downloadCurrent(): void {
  const ed = useEditor.getState();
  const step = currentStep(ed);
  if (!step || !ed.file) return;
  const a = document.createElement('a');
  a.href = step.url;
  a.download = downloadName(ed.file.name, step.blob.type || ed.file.mime);
  document.body.append(a);
  a.click();
  a.remove();
}
