// History retention limits (GET/PUT /api/v1/history/retention; 0 = unlimited, 1 MB = 10⁶ bytes).
import { useEffect, useState } from 'react';
import { describe } from '../api/client';
import { getRetention, putRetention } from '../api/mend';
import type { Retention } from '../api/types';
import { useUi } from '../state/ui';

export function RetentionForm({ onSaved }: { onSaved: () => void }) {
  const [r, setR] = useState<Retention | null>(null);
  useEffect(() => {
    getRetention().then(setR).catch((e: unknown) => useUi.getState().toast('error', 'Could not read the retention limits', describe(e)));
  }, []);
  if (!r) return null;
  return (
    <form
      className="budget-form"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          setR(await putRetention(r));
          useUi.getState().toast('success', 'Retention saved', 'Older entries beyond the limits were removed.');
          onSaved();
        } catch (err) {
          useUi.getState().toast('error', 'Could not save the retention limits', describe(err));
        }
      }}
    >
      <label className="field inline">
        <span>Keep at most (entries)</span>
        <input className="num" type="number" min={0} value={r.max_entries} onChange={(e) => setR({ ...r, max_entries: Math.max(0, Math.round(Number(e.target.value))) })} />
      </label>
      <label className="field inline">
        <span>Keep at most (MB)</span>
        <input className="num" type="number" min={0} value={Math.round(r.max_bytes / 1e6)} onChange={(e) => setR({ ...r, max_bytes: Math.max(0, Math.round(Number(e.target.value))) * 1e6 })} />
      </label>
      <p className="hint">0 means unlimited; the oldest entries go first.</p>
      <button type="submit" className="btn">Save limits</button>
    </form>
  );
}
