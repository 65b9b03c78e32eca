// Cloud edits: provider model, presets, prompt, cost estimate, confirmation threshold, budget.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { cloudErrorMessage, estimate, getBudget, listCloudModels, usd } from '../../api/cloud';
import type { Budget, CloudModel, Estimate } from '../../api/types';
import { sessionId } from '../../lib/session';
import { useSettings, type Preset } from '../../state/settings';
import { useUi } from '../../state/ui';
import { Section, SelectField } from '../Field';
import { BudgetConfigForm } from './BudgetConfigForm';
import { BudgetStatus } from './BudgetStatus';
import { listPrice, presetValues } from './presets';

const PRESETS: readonly { value: Preset; label: string }[] = [
  { value: 'draft', label: 'Draft' },
  { value: 'final', label: 'Final' },
  { value: 'custom', label: 'Custom' },
];

export function CloudPanel() {
  const s = useSettings();
  const busy = useUi((st) => st.job !== null);
  const [models, setModels] = useState<CloudModel[] | null>(null);
  const [budget, setBudget] = useState<Budget | null>(null);
  const [est, setEst] = useState<Estimate | null>(null);
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const model = useMemo(() => models?.find((m) => m.id === s.cloudModel), [models, s.cloudModel]);

  const refreshBudget = useCallback(() => {
    getBudget(sessionId())
      .then(setBudget)
      .catch((e: unknown) => setUnavailable(cloudErrorMessage(e).message));
  }, []);

  useEffect(() => {
    listCloudModels()
      .then((m) => {
        setModels(m);
        const st = useSettings.getState();
        const first = m.find((x) => x.operations.includes('edit'));
        if (first && !m.some((x) => x.id === st.cloudModel)) st.set({ cloudModel: first.id });
      })
      .catch((e: unknown) => setUnavailable(cloudErrorMessage(e).message));
    refreshBudget();
  }, [refreshBudget]);

  // Refresh the budget after every edit (cost settles on the server).
  useEffect(() => {
    if (!busy) refreshBudget();
  }, [busy, refreshBudget]);

  // Apply presets.
  useEffect(() => {
    const v = presetValues(s.preset, model, { size: s.cloudSize, quality: s.cloudQuality });
    if (v.size !== s.cloudSize || v.quality !== s.cloudQuality) s.set({ cloudSize: v.size, cloudQuality: v.quality });
  }, [s.preset, model, s.cloudSize, s.cloudQuality, s]);

  // Live estimate.
  useEffect(() => {
    if (!model) return;
    const ctl = new AbortController();
    const t = setTimeout(() => {
      estimate({ model: model.id, operation: 'edit', size: s.cloudSize, quality: s.cloudQuality, n: 1, session_id: sessionId() }, ctl.signal)
        .then(setEst)
        .catch(() => setEst(null));
    }, 200);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [model, s.cloudSize, s.cloudQuality, budget]);

  if (unavailable && !models) {
    return (
      <Section title="Cloud">
        <p className="hint error" role="alert">{unavailable}</p>
      </Section>
    );
  }
  const price = est?.estimate_usd ?? listPrice(model, s.cloudSize, s.cloudQuality);
  return (
    <div>
      <Section
        title="Cloud edit"
        actions={
          price !== null && (
            <span className={`badge ${est && !est.allowed ? 'off' : price > s.confirmAboveUsd ? 'warn' : 'ok'}`} data-testid="cost-badge" title="Estimated cost of one edit">
              ≈ {usd(price)}
            </span>
          )
        }
      >
        {budget && !budget.provider_configured && (
          <p className="hint error" role="alert">No provider API key is configured on the server: cloud edits will fail until one is set.</p>
        )}
        <div className="field">
          <span className="label">Runs on</span>
          <div className="segmented" role="radiogroup" aria-label="Where edits run">
            {(['local', 'cloud'] as const).map((m) => (
              <button key={m} type="button" role="radio" aria-checked={s.mode === m} className={s.mode === m ? 'active' : ''} onClick={() => s.set({ mode: m })}>
                {m === 'local' ? 'Local model' : 'Cloud provider'}
              </button>
            ))}
          </div>
        </div>
        <SelectField
          label="Provider model"
          value={s.cloudModel}
          testId="cloud-model"
          options={(models ?? []).filter((m) => m.operations.includes('edit')).map((m) => ({ value: m.id, label: m.id }))}
          onChange={(v) => s.set({ cloudModel: v })}
        />
        <div className="field">
          <span className="label">Preset</span>
          <div className="segmented" role="radiogroup" aria-label="Preset">
            {PRESETS.map((p) => (
              <button key={p.value} type="button" role="radio" aria-checked={s.preset === p.value} className={s.preset === p.value ? 'active' : ''} onClick={() => s.set({ preset: p.value })}>
                {p.label}
              </button>
            ))}
          </div>
        </div>
        {s.preset === 'custom' && model && (
          <div className="row">
            <SelectField label="Size" value={s.cloudSize} options={model.sizes.map((v) => ({ value: v, label: v }))} onChange={(v) => s.set({ cloudSize: v })} />
            <SelectField
              label="Quality"
              value={s.cloudQuality}
              options={model.qualities.map((q) => {
                const p = listPrice(model, s.cloudSize, q);
                return { value: q, label: p === null ? q : `${q} (${usd(p)})` };
              })}
              onChange={(v) => s.set({ cloudQuality: v })}
            />
          </div>
        )}
        {s.preset !== 'custom' && (
          <p className="hint">
            {s.cloudSize}, {s.cloudQuality} quality
          </p>
        )}
        <div className="field">
          <label htmlFor="cloud-prompt">Prompt</label>
          <textarea id="cloud-prompt" rows={3} value={s.prompt} onChange={(e) => s.set({ prompt: e.target.value })} />
        </div>
        <label className="field inline">
          <span>Ask before edits over (USD)</span>
          <input className="num" type="number" min={0} step={0.01} value={s.confirmAboveUsd} onChange={(e) => s.set({ confirmAboveUsd: Number(e.target.value) })} />
        </label>
        {est && !est.allowed && (
          <p className="hint error" role="alert">
            {est.blocked_by
              ? `Blocked by the ${est.blocked_by.cap} cap: ${usd(est.blocked_by.spent_usd)} of ${usd(est.blocked_by.limit_usd)} spent.`
              : est.retry_after_secs !== null
                ? `Rate limited: try again in ${Math.ceil(est.retry_after_secs)} s.`
                : 'The budget guard refuses this edit.'}
          </p>
        )}
      </Section>
      {budget && (
        <Section title="Budget" actions={<button type="button" className="btn small" onClick={refreshBudget}>Refresh</button>}>
          <BudgetStatus budget={budget} />
          <details>
            <summary>Caps and limits</summary>
            <BudgetConfigForm onSaved={refreshBudget} />
          </details>
        </Section>
      )}
    </div>
  );
}
