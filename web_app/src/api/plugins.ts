// mend's plugin routes: /api/v1/plugins…
import { json, request, sendJson } from './client';
import type { ParamValues, PluginListing, PluginRunResult, PluginsResponse } from './types';

const base = (id: string): string => `/api/v1/plugins/${encodeURIComponent(id)}`;

export const listPlugins = (): Promise<PluginsResponse> => json('/api/v1/plugins');

export const setPluginEnabled = (id: string, enabled: boolean): Promise<PluginListing> =>
  json(`${base(id)}/${enabled ? 'enable' : 'disable'}`, { method: 'POST' });

export async function removePlugin(id: string): Promise<void> {
  await request(base(id), { method: 'DELETE' }, `Remove plugin ${id}`);
}

export const configurePlugin = (id: string, params: ParamValues): Promise<PluginListing> =>
  sendJson(`${base(id)}/config`, 'PUT', { params });

/** Uploads a `.wasm` component (multipart field `file`). */
export function uploadPlugin(file: File): Promise<PluginListing> {
  const form = new FormData();
  form.append('file', file, file.name);
  return json('/api/v1/plugins', { method: 'POST', body: form });
}

export interface PluginRunRequest {
  image?: string;
  mask?: string;
  params: ParamValues;
  points?: [number, number, boolean][];
}

export const runPlugin = (id: string, req: PluginRunRequest): Promise<PluginRunResult> =>
  sendJson(`${base(id)}/run`, 'POST', req);
