// mend's own routes: history, jobs, session snapshots.
import { json, request, sendJson } from './client';
import type { HistoryPage, Job, Retention, SessionSnapshot } from './types';

export function listHistory(limit = 60, before?: string | null): Promise<HistoryPage> {
  const q = new URLSearchParams({ limit: String(limit) });
  if (before) q.set('before', before);
  return json(`/api/v1/history?${q.toString()}`);
}

export const historyFileUrl = (id: string, file: 'input' | 'mask' | 'output' | 'thumbnail'): string =>
  `/api/v1/history/${encodeURIComponent(id)}/${file}`;

/** True when the entry exists (the JSON route; image routes are cached immutable). */
export async function historyExists(id: string): Promise<boolean> {
  const res = await fetch(`/api/v1/history/${encodeURIComponent(id)}`);
  return res.ok;
}

export async function deleteHistory(id: string): Promise<void> {
  await request(`/api/v1/history/${encodeURIComponent(id)}`, { method: 'DELETE' }, 'Delete history entry');
}

export const getRetention = (): Promise<Retention> => json('/api/v1/history/retention');
export const putRetention = (r: Retention): Promise<Retention> => sendJson('/api/v1/history/retention', 'PUT', r);

export const cancelJob = (id: string): Promise<Job> =>
  json(`/api/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });

const snapshotUrl = (session: string): string => `/api/v1/sessions/${encodeURIComponent(session)}/snapshot`;

/** The stored snapshot, or null when there is none. */
export async function getSnapshot(session: string): Promise<SessionSnapshot | null> {
  const res = await fetch(snapshotUrl(session));
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`Restoring the session: HTTP ${res.status}`);
  return (await res.json()) as SessionSnapshot;
}

export async function putSnapshot(session: string, snapshot: SessionSnapshot, keepalive = false): Promise<void> {
  await request(
    snapshotUrl(session),
    { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(snapshot), keepalive },
    'Saving the session',
  );
}

export async function deleteSnapshot(session: string): Promise<void> {
  await request(snapshotUrl(session), { method: 'DELETE' }, 'Clearing the session');
}
