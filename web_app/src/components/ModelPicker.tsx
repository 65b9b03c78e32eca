// Model list with each model's state (ready / needs download with size / unsupported) and
// download progress, switching with POST /api/v1/model.
import { useState } from 'react';
import { describe } from '../api/client';
import { switchModel } from '../api/iopaint';
import type { ModelInfo } from '../api/types';
import { useServer } from '../state/server';
import { useUi } from '../state/ui';

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

/** The state badge text of a model. */
export function modelBadge(m: ModelInfo, current: string | null): { text: string; kind: 'ok' | 'warn' | 'off' } {
  if (m.name === current) return { text: 'in use', kind: 'ok' };
  // server-config carries mend's state as `mend_state` / `mend_download_bytes` next to
  // IOPaint's fields; `state` / `download_size` are accepted too.
  const size = m.download_size ?? m.size_bytes ?? m.mend_download_bytes ?? null;
  switch (m.state ?? m.mend_state ?? undefined) {
    case undefined:
    case 'ready':
      return { text: 'ready', kind: 'ok' };
    case 'needs_download':
    case 'not_downloaded':
      return { text: size ? `download ${mb(size)}` : 'needs download', kind: 'warn' };
    case 'downloading':
      return { text: 'downloading', kind: 'warn' };
    case 'unsupported':
      return { text: 'not supported yet', kind: 'off' };
    default:
      return { text: String(m.state).replace(/_/g, ' '), kind: 'warn' };
  }
}

export function ModelPicker() {
  const config = useServer((s) => s.config);
  const current = useServer((s) => s.model);
  const downloads = useServer((s) => s.downloads);
  const [switching, setSwitching] = useState<string | null>(null);
  // IOPaint's erase models this build cannot run are listed too, disabled.
  const models: ModelInfo[] = [...(config?.modelInfos ?? []), ...(config?.mendUnsupportedModels ?? [])];

  const choose = async (m: ModelInfo): Promise<void> => {
    if (m.name === current || switching) return;
    setSwitching(m.name);
    try {
      const info = await switchModel(m.name);
      useServer.getState().setModel(info.name);
      useUi.getState().toast('success', 'Model switched', info.name);
    } catch (e) {
      useUi.getState().toast('error', `Could not switch to ${m.name}`, describe(e));
    } finally {
      setSwitching(null);
    }
  };

  if (!config) return <p className="muted">Loading models…</p>;
  return (
    <ul className="models" aria-label="Models" data-testid="model-list">
      {models.map((m) => {
        const badge = modelBadge(m, current);
        const dl = downloads[m.name];
        const disabled = (m.state ?? m.mend_state) === 'unsupported' || config.disableModelSwitch;
        return (
          <li key={m.name}>
            <button
              type="button"
              className={`model${m.name === current ? ' active' : ''}`}
              aria-pressed={m.name === current}
              disabled={disabled || switching !== null}
              onClick={() => void choose(m)}
              title={m.reason ?? ((m.state ?? m.mend_state) === 'unsupported' ? `${m.name}: this build of mend cannot run it yet` : m.mend_plugin ? `${m.name}, provided by the ${m.mend_plugin} plugin` : m.name)}
              data-model={m.name}
            >
              <span className="name">{m.name}</span>
              <span className="type muted">
                {m.mend_plugin ? `${m.model_type} · plugin ${m.mend_plugin}` : m.model_type}
              </span>
              <span className={`badge ${badge.kind}`}>{switching === m.name ? 'switching…' : badge.text}</span>
            </button>
            {dl && dl.fraction !== null && dl.fraction < 1 && (
              <progress max={1} value={dl.fraction} aria-label={`Downloading ${m.name}`} />
            )}
            {dl?.error && <p className="hint error">{dl.error}</p>}
          </li>
        );
      })}
    </ul>
  );
}
