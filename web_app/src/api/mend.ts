// mend's own routes: the binary edit, history, jobs, session snapshots.
import { json, request, sendJson } from './client';
import { multipart, type Part } from '../lib/multipart';
import type { InpaintRequest, InpaintResult } from './iopaint';
import type { HistoryPage, Job, ModelEntry, Retention, SessionSnapshot } from './types';

/** A local edit through `POST /api/v1/edit`: the image (or its kept SHA-256) and the mask as files. */
export interface EditRequest {
  /** The image bytes; `null` to use `imageSha256`. */
  image: Blob | null;
  /** SHA-256 of an image the server keeps (answers 412 when it does not). */
  imageSha256: string | null;
  /** The mask as PNG bytes (255 = area to change). */
  mask: Uint8Array;
  /** The other inpaint fields. */
  settings: Omit<InpaintRequest, 'image' | 'mask'>;
  /** The job id, chosen here so a cancel can name it before the answer arrives. */
  jobId: string;
  /** Ask for only the changed rectangle of the result (`crop=changed`). */
  crop?: boolean;
}

/** Where a cropped answer lies in the whole result (`X-Crop`). */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** `X-Crop: x,y,width,height`, or null when absent or malformed. */
export function parseCrop(value: string | null): CropRect | null {
  const v = value?.split(',').map((n) => Number(n.trim()));
  if (!v || v.length !== 4 || v.some((n) => !Number.isInteger(n) || n < 0)) return null;
  const [x = 0, y = 0, width = 0, height = 0] = v;
  return width > 0 && height > 0 ? { x, y, width, height } : null;
}

export interface EditResult extends InpaintResult {
  /** The server keeps the result under this SHA-256 (lossless formats). */
  imageSha256: string | null;
  /** The server kept the uploaded image under this SHA-256. */
  inputSha256: string | null;
  /** Set when `blob` is only this rectangle of the result (PNG); `null`: the whole result. */
  crop: CropRect | null;
}

/** Runs a local edit; the answer is image bytes in the input's format (or their `crop`). */
export async function edit(req: EditRequest, signal?: AbortSignal): Promise<EditResult> {
  const fields: [string, Part][] = [];
  if (req.image) fields.push(['image', { bytes: new Uint8Array(await req.image.arrayBuffer()), type: req.image.type || 'application/octet-stream', filename: 'image' }]);
  else if (req.imageSha256) fields.push(['image_sha256', req.imageSha256]);
  fields.push(['mask', { bytes: req.mask, type: 'image/png', filename: 'mask.png' }]);
  fields.push(['settings', JSON.stringify(req.settings)]);
  if (req.crop) fields.push(['crop', 'changed']);
  const { body, contentType } = multipart(fields);
  performance.mark('mend:fetch');
  const res = await request('/api/v1/edit', { method: 'POST', headers: { 'Content-Type': contentType, 'X-Job-Id': req.jobId }, body, signal: signal ?? null }, 'Erase');
  performance.mark('mend:headers');
  return {
    blob: await res.blob(),
    jobId: res.headers.get('X-Job-Id'),
    historyId: res.headers.get('X-History-Id'),
    seed: res.headers.get('X-Seed'),
    imageSha256: res.headers.get('X-Image-Sha256'),
    inputSha256: res.headers.get('X-Input-Sha256'),
    crop: parseCrop(res.headers.get('X-Crop')),
  };
}

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

/** Cancels an active job (or deletes a finished job's record). Unknown ids answer 404. */
export async function deleteJob(id: string): Promise<void> {
  await request(`/api/v1/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' }, 'Cancel');
}

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

/** Every model the server knows, with its kind and state (`GET /api/v1/models`). */
export const listModels = (): Promise<ModelEntry[]> => json('/api/v1/models');

/** Fetches a model's weights without selecting it; progress arrives as `model_download` events. */
export const downloadModel = (name: string): Promise<ModelEntry> =>
  json(`/api/v1/models/${encodeURIComponent(name)}/download`, { method: 'POST' });
