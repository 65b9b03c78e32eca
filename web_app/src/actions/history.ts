// Opening a history entry in the editor: its input as the original, its output as edit 1.
import { historyFileUrl } from '../api/mend';
import type { HistoryItem } from '../api/types';
import { useEditor } from '../state/editor';
import { reportError, useUi } from '../state/ui';
import { makeStep } from './steps';

async function fetchBlob(url: string): Promise<Blob> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status} for ${url}`);
  return res.blob();
}

export async function openHistoryEntry(item: Pick<HistoryItem, 'id' | 'model'>): Promise<void> {
  try {
    const [input, output] = await Promise.all([
      fetchBlob(historyFileUrl(item.id, 'input')),
      fetchBlob(historyFileUrl(item.id, 'output')),
    ]);
    const ed = useEditor.getState();
    const original = await makeStep(input, 'history', null);
    const result = await makeStep(output, 'history', item.id);
    const ext = (output.type.split('/')[1] ?? 'png').replace('jpeg', 'jpg');
    ed.open({ name: `history-${item.id}.${ext}`, mime: output.type || 'image/png' }, original, item.id);
    useEditor.getState().pushResult(result);
    useUi.getState().setCompare(false);
  } catch (e) {
    reportError('Could not open the history entry', e);
  }
}
