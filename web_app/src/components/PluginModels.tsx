// Models that plugins run through the server's `inference` (e.g. Real-ESRGAN for the upscale
// plugin): each with its state and a download button; progress comes from `model_download`.
import { useEffect, useState } from 'react';
import { describe } from '../api/client';
import { downloadModel, listModels } from '../api/mend';
import type { ModelEntry } from '../api/types';
import { useServer } from '../state/server';
import { useUi } from '../state/ui';

function mb(bytes: number): string {
  return `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

export function PluginModels() {
  const [models, setModels] = useState<ModelEntry[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const downloads = useServer((s) => s.downloads);

  useEffect(() => {
    listModels()
      .then((all) => setModels(all.filter((m) => m.kind !== 'inpaint' && m.state !== 'unsupported')))
      .catch(() => setModels([]));
  }, []);

  const fetchWeights = async (m: ModelEntry): Promise<void> => {
    setBusy(m.name);
    try {
      const done = await downloadModel(m.name);
      setModels((list) => (list ?? []).map((x) => (x.name === done.name ? done : x)));
      useUi.getState().toast('success', 'Model downloaded', m.name);
    } catch (e) {
      useUi.getState().toast('error', `Could not download ${m.name}`, describe(e));
    } finally {
      setBusy(null);
    }
  };

  if (!models || models.length === 0) return null;
  return (
    <ul className="models" aria-label="Models for plugins" data-testid="plugin-models">
      {models.map((m) => {
        const dl = downloads[m.name];
        const ready = m.state === 'ready';
        return (
          <li key={m.name}>
            <div className="model" title={m.description}>
              <span className="name">{m.name}</span>
              <span className="type muted">{m.kind}</span>
              {ready ? (
                <span className="badge ok">ready</span>
              ) : (
                <button type="button" className="badge warn" disabled={busy !== null} onClick={() => void fetchWeights(m)}>
                  {busy === m.name ? 'downloading…' : `download${m.download_bytes ? ` ${mb(m.download_bytes)}` : ''}`}
                </button>
              )}
            </div>
            {dl && dl.fraction !== null && dl.fraction < 1 && (
              <progress max={1} value={dl.fraction} aria-label={`Downloading ${m.name}`} />
            )}
          </li>
        );
      })}
    </ul>
  );
}
