// IOPaint's routes under /api/v1: server config, model, inpaint, mask adjustment, file manager.
import type { components } from './schema';
import { json, request, sendJson } from './client';
import type { MediaFile, MediaTab, ModelInfo, PluginUse, ServerConfig } from './types';

/** The inpaint request fields the editor sends (the server defaults the rest). */
export type InpaintRequest = Partial<Omit<components['schemas']['InpaintRequest'], 'plugins'>> & {
  image: string;
  mask: string;
  plugins?: PluginUse[];
};

export interface InpaintResult {
  blob: Blob;
  jobId: string | null;
  historyId: string | null;
  seed: string | null;
}

export const getServerConfig = (): Promise<ServerConfig> => json('/api/v1/server-config');
export const getCurrentModel = (): Promise<ModelInfo> => json('/api/v1/model');
export const switchModel = (name: string): Promise<ModelInfo> => sendJson('/api/v1/model', 'POST', { name });

/** Runs an inpaint; the result is image bytes in the input's format. */
export async function inpaint(req: InpaintRequest, signal?: AbortSignal): Promise<InpaintResult> {
  const res = await request(
    '/api/v1/inpaint',
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(req),
      signal: signal ?? null,
    },
    'Erase',
  );
  return {
    blob: await res.blob(),
    jobId: res.headers.get('X-Job-Id'),
    historyId: res.headers.get('X-History-Id'),
    seed: res.headers.get('X-Seed'),
  };
}

export type MaskOperation = 'expand' | 'shrink' | 'reverse';

/** Expands, shrinks or inverts a mask; answers a PNG (RGBA overlay). */
export async function adjustMask(mask: string, operate: MaskOperation, kernelSize: number): Promise<Blob> {
  const res = await request(
    '/api/v1/adjust_mask',
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ mask, operate, kernel_size: kernelSize }),
    },
    'Adjust mask',
  );
  return res.blob();
}

export const listMedia = (tab: MediaTab): Promise<MediaFile[]> =>
  json(`/api/v1/medias?tab=${encodeURIComponent(tab)}`);

export const mediaFileUrl = (tab: MediaTab, filename: string): string =>
  `/api/v1/media_file?tab=${encodeURIComponent(tab)}&filename=${encodeURIComponent(filename)}`;

export const mediaThumbnailUrl = (tab: MediaTab, filename: string, size = 256): string =>
  `/api/v1/media_thumbnail_file?tab=${encodeURIComponent(tab)}&filename=${encodeURIComponent(filename)}&width=${size}&height=${size}`;
