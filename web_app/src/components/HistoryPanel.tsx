// History: a thumbnail grid of server-side results; open one in the editor or delete it.
import { useCallback, useEffect, useState } from 'react';
import { confirmDialog } from '../actions/confirm';
import { openHistoryEntry } from '../actions/history';
import { describe } from '../api/client';
import { deleteHistory, listHistory } from '../api/mend';
import type { HistoryItem } from '../api/types';
import { useEditor } from '../state/editor';
import { useUi } from '../state/ui';
import { Section } from './Field';
import { Icon } from './Icon';
import { RetentionForm } from './RetentionForm';

const PAGE = 60;

export function HistoryPanel() {
  const [items, setItems] = useState<HistoryItem[]>([]);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const currentIds = useEditor((s) => s.steps.map((st) => st.historyId).join(','));

  const load = useCallback(async (before: string | null) => {
    setLoading(true);
    try {
      const page = await listHistory(PAGE, before);
      setItems((old) => (before ? [...old, ...page.items] : page.items));
      setTotal(page.total);
      setNext(page.next_before ?? null);
    } catch (e) {
      useUi.getState().toast('error', 'Could not load history', describe(e));
    } finally {
      setLoading(false);
    }
  }, []);

  // Reload when results are added to the stack (a new erase lands in history).
  useEffect(() => {
    void load(null);
  }, [load, currentIds]);

  const remove = async (item: HistoryItem): Promise<void> => {
    if (!(await confirmDialog('Delete this entry?', 'Its input, mask and result files are deleted from the server.', 'Delete'))) return;
    try {
      await deleteHistory(item.id);
      setItems((old) => old.filter((i) => i.id !== item.id));
      setTotal((t) => t - 1);
    } catch (e) {
      useUi.getState().toast('error', 'Could not delete the entry', describe(e));
    }
  };

  return (
    <Section title={`History (${total})`} actions={<button type="button" className="btn small" onClick={() => void load(null)}>Refresh</button>}>
      {items.length === 0 && !loading && <p className="muted">Every erase is kept here. Nothing yet.</p>}
      <ul className="grid" data-testid="history-grid">
        {items.map((item) => (
          <li key={item.id} className={currentIds.includes(item.id) ? 'current' : ''}>
            <button type="button" className="thumb" onClick={() => void openHistoryEntry(item)} title={`Open (${item.model}, ${item.width}×${item.height})`} data-history-id={item.id}>
              <img src={item.thumbnail_url} alt={`Result ${new Date(item.created_at).toLocaleString()}`} loading="lazy" />
              <span className="caption">
                {new Date(item.created_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} · {item.model}
              </span>
            </button>
            <button type="button" className="btn icon small danger corner" aria-label="Delete entry" title="Delete" onClick={() => void remove(item)}>
              <Icon name="trash" size={14} />
            </button>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" className="btn wide" disabled={loading} onClick={() => void load(next)}>
          {loading ? 'Loading…' : 'Load more'}
        </button>
      )}
      <details className="retention">
        <summary>Retention limits</summary>
        <RetentionForm onSaved={() => void load(null)} />
      </details>
    </Section>
  );
}
