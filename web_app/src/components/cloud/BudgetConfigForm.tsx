// Editing the budget caps (PUT /api/v1/budget/config, partial).
import { useEffect, useState } from 'react';
import { getBudgetConfig, putBudgetConfig } from '../../api/cloud';
import { describe } from '../../api/client';
import type { BudgetConfig } from '../../api/types';
import { useUi } from '../../state/ui';

const FIELDS: { key: keyof BudgetConfig; label: string; step: number }[] = [
  { key: 'daily_cap_usd', label: 'Daily cap (USD)', step: 0.5 },
  { key: 'monthly_cap_usd', label: 'Monthly cap (USD)', step: 1 },
  { key: 'session_cap_usd', label: 'Session cap (USD)', step: 0.5 },
  { key: 'min_interval_secs', label: 'Min. seconds between edits', step: 1 },
  { key: 'dedupe_ttl_secs', label: 'Reuse identical results for (s)', step: 60 },
];

export function BudgetConfigForm({ onSaved }: { onSaved: () => void }) {
  const [cfg, setCfg] = useState<BudgetConfig | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    getBudgetConfig().then(setCfg).catch((e: unknown) => useUi.getState().toast('error', 'Could not load budget settings', describe(e)));
  }, []);
  if (!cfg) return null;
  return (
    <form
      className="budget-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaving(true);
        try {
          setCfg(await putBudgetConfig(cfg));
          useUi.getState().toast('success', 'Budget saved', '');
          onSaved();
        } catch (err) {
          useUi.getState().toast('error', 'Could not save the budget', describe(err));
        } finally {
          setSaving(false);
        }
      }}
    >
      {FIELDS.map((f) => (
        <label key={f.key} className="field inline">
          <span>{f.label}</span>
          <input className="num" type="number" min={0} step={f.step} value={cfg[f.key]} onChange={(e) => setCfg({ ...cfg, [f.key]: Number(e.target.value) })} />
        </label>
      ))}
      <p className="hint">A cap of 0 means unlimited.</p>
      <button type="submit" className="btn" disabled={saving}>
        Save budget
      </button>
    </form>
  );
}
