// File manager: the server's --input and --output-dir folders (IOPaint's /api/v1/medias).
import { useEffect, useState } from 'react';
import { openUrl } from '../actions/steps';
import { ApiError, describe } from '../api/client';
import { listMedia, mediaFileUrl, mediaThumbnailUrl } from '../api/iopaint';
import type { MediaFile, MediaTab } from '../api/types';
import { useServer } from '../state/server';
import { Section } from './Field';

export function FilesPanel() {
  const enabled = useServer((s) => s.config?.enableFileManager ?? false);
  const [tab, setTab] = useState<MediaTab>('input');
  const [listing, setListing] = useState<{ tab: MediaTab; files: MediaFile[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');

  useEffect(() => {
    if (!enabled) return;
    let current = true;
    setError(null);
    listMedia(tab)
      .then((f) => current && setListing({ tab, files: [...f].sort((a, b) => b.mtime - a.mtime) }))
      .catch((e: unknown) => current && setError(e instanceof ApiError ? e.message : describe(e)));
    return () => {
      current = false;
    };
  }, [tab, enabled]);
  // Only a listing of the selected folder is shown (never a stale one while the next loads).
  const files = listing?.tab === tab ? listing.files : null;

  if (!enabled) {
    return (
      <Section title="Files">
        <p className="muted">
          The file manager shows the server's input and output folders. Start mend with <code>--input DIR --output-dir DIR</code> to use it.
        </p>
      </Section>
    );
  }
  const shown = (files ?? []).filter((f) => f.name.toLowerCase().includes(filter.toLowerCase()));
  return (
    <Section title="Files">
      <div className="row">
        <div className="segmented" role="radiogroup" aria-label="Folder">
          {(['input', 'output'] as const).map((t) => (
            <button key={t} type="button" role="radio" aria-checked={tab === t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
              {t === 'input' ? 'Input' : 'Output'}
            </button>
          ))}
        </div>
        <input type="search" placeholder="Filter" aria-label="Filter files" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      {error && <p className="hint error" role="alert">{error}</p>}
      {files === null && !error && <p className="muted">Loading…</p>}
      {files && shown.length === 0 && <p className="muted">No images.</p>}
      <ul className="grid">
        {shown.map((f) => (
          <li key={f.name}>
            <button type="button" className="thumb" title={`${f.name} (${f.width}×${f.height})`} onClick={() => void openUrl(mediaFileUrl(tab, f.name), f.name)}>
              <img src={mediaThumbnailUrl(tab, f.name)} alt={f.name} loading="lazy" />
              <span className="caption">{f.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </Section>
  );
}
