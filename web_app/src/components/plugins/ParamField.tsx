// One plugin parameter drawn from its manifest schema.
import { useId } from 'react';
import type { ParamSpec, ParamValue } from '../../api/types';

export function ParamField({ spec, value, onChange }: { spec: ParamSpec; value: ParamValue; onChange: (v: ParamValue) => void }) {
  const id = useId();
  const hint = spec.description ? <p className="hint">{spec.description}</p> : null;
  switch (spec.kind) {
    case 'boolean':
      return (
        <div className="field toggle">
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <label htmlFor={id}>{spec.label || spec.name}</label>
          {hint}
        </div>
      );
    case 'integer':
    case 'number': {
      const [min, max, step] = spec.range ?? [0, 100, spec.kind === 'integer' ? 1 : 0.01];
      const n = typeof value === 'number' ? value : Number(spec.default);
      const set = (v: number): void => {
        if (!Number.isFinite(v)) return;
        const clamped = Math.min(max, Math.max(min, v));
        onChange(spec.kind === 'integer' ? Math.round(clamped) : clamped);
      };
      return (
        <div className="field">
          <label htmlFor={id}>{spec.label || spec.name}</label>
          <div className="row">
            <input type="range" min={min} max={max} step={step} value={n} onChange={(e) => set(Number(e.target.value))} aria-label={spec.label || spec.name} />
            <input id={id} className="num" type="number" min={min} max={max} step={step} value={n} onChange={(e) => set(Number(e.target.value))} />
          </div>
          {hint}
        </div>
      );
    }
    case 'choice':
      return (
        <div className="field">
          <label htmlFor={id}>{spec.label || spec.name}</label>
          <select id={id} value={String(value ?? spec.default)} onChange={(e) => onChange(e.target.value)}>
            {(spec.options ?? []).map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          {hint}
        </div>
      );
    default:
      return (
        <div className="field">
          <label htmlFor={id}>{spec.label || spec.name}</label>
          <input id={id} type="text" value={String(value ?? '')} onChange={(e) => onChange(e.target.value)} />
          {hint}
        </div>
      );
  }
}
