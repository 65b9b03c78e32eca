// Downloading the current result in the original file's format.
import { downloadName } from '../lib/image';
import { currentStep, useEditor } from '../state/editor';
import { reportError } from '../state/ui';
import { loadFull } from './steps';

export async function downloadCurrent(): Promise<void> {
  const ed = useEditor.getState();
  const step = currentStep(ed);
  const file = ed.file;
  if (!step || !file) return;
  let blob: Blob;
  try {
    blob = await loadFull(step);
  } catch (e) {
    reportError('Download failed', e);
    return;
  }
  if (!step.url) return;
  const a = document.createElement('a');
  a.href = step.url;
  a.download = downloadName(file.name, blob.type || file.mime);
  document.body.append(a);
  a.click();
  a.remove();
}
