// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, messageOf, request } from '../src/api/client';
import { inpaint } from '../src/api/iopaint';
import { deleteJob, edit, parseCrop } from '../src/api/mend';
import { uuidv7 } from '../src/lib/session';

afterEach(() => vi.unstubAllGlobals());

describe('error messages', () => {
  it('reads mend, FastAPI and plain bodies', () => {
    expect(messageOf({ error: 'NotFound', detail: 'no history entry x' }, 'f')).toBe('no history entry x');
    expect(messageOf({ detail: [{ msg: 'field required' }, { msg: 'bad value' }] }, 'f')).toBe('field required; bad value');
    expect(messageOf({ error: 'boom' }, 'f')).toBe('boom');
    expect(messageOf('  plain text ', 'f')).toBe('plain text');
    expect(messageOf(null, 'fallback')).toBe('fallback');
  });

  it('throws ApiError with status, message and Retry-After', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ detail: 'queue full' }), { status: 503, headers: { 'Retry-After': '3' } })));
    const e = await request('/api/v1/inpaint').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(503);
    expect((e as ApiError).message).toBe('queue full');
    expect((e as ApiError).retryAfter).toBe(3);
  });

  it('says when the server cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch'); }));
    await expect(request('/api/v1/model', {}, 'Model')).rejects.toThrow('Model: the server cannot be reached');
  });
});

describe('inpaint', () => {
  it('posts JSON and reads the job and history headers', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      new Response(new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }), { status: 200, headers: { 'X-Job-Id': 'j1', 'X-History-Id': 'h1', 'X-Seed': '42' } }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const r = await inpaint({ image: 'data:image/png;base64,AA', mask: 'data:image/png;base64,BB', plugins: [{ id: 'mask-tools', params: { radius: 3 } }] });
    expect(r.jobId).toBe('j1');
    expect(r.historyId).toBe('h1');
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/api/v1/inpaint');
    const body = JSON.parse(String(init.body)) as Record<string, unknown>;
    expect(body.plugins).toEqual([{ id: 'mask-tools', params: { radius: 3 } }]);
  });
});

describe('edit (POST /api/v1/edit)', () => {
  it('sends the image by key, the mask as a file and the job id as a header', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      new Response(new Blob([new Uint8Array([1])], { type: 'image/png' }), { status: 200, headers: { 'X-Job-Id': 'j1', 'X-History-Id': 'j1', 'X-Image-Sha256': 'abc' } }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const r = await edit({ image: null, imageSha256: 'k1', mask: new Uint8Array([9, 9]), settings: { cv2_radius: 4 }, jobId: 'j1' });
    expect(r.imageSha256).toBe('abc');
    expect(r.inputSha256).toBeNull();
    expect(r.crop).toBeNull();
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/api/v1/edit');
    const headers = init.headers as Record<string, string>;
    expect(headers['X-Job-Id']).toBe('j1');
    // The body is multipart bytes (no blob storage round trip); a standard parser reads it.
    const form = await new Response(Buffer.from(init.body as Uint8Array), { headers: { 'content-type': headers['Content-Type'] ?? '' } }).formData();
    expect(form.get('image')).toBeNull();
    expect(form.get('crop')).toBeNull();
    expect(form.get('image_sha256')).toBe('k1');
    expect(JSON.parse(String(form.get('settings')))).toEqual({ cv2_radius: 4 });
    const mask = form.get('mask') as File;
    expect(mask.size).toBe(2);
    expect(mask.type).toBe('image/png');
  });

  it('asks for the changed rectangle and reads X-Crop', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      new Response(new Blob([new Uint8Array([1])], { type: 'image/png' }), { status: 200, headers: { 'X-History-Id': 'j2', 'X-Crop': '10,20,30,40' } }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const r = await edit({ image: new Blob([new Uint8Array([7, 7, 7])], { type: 'image/png' }), imageSha256: null, mask: new Uint8Array([9]), settings: {}, jobId: 'j2', crop: true });
    expect(r.crop).toEqual({ x: 10, y: 20, width: 30, height: 40 });
    const init = fetchMock.mock.calls[0]?.[1] as RequestInit;
    const headers = init.headers as Record<string, string>;
    const form = await new Response(Buffer.from(init.body as Uint8Array), { headers: { 'content-type': headers['Content-Type'] ?? '' } }).formData();
    expect(form.get('crop')).toBe('changed');
    expect((form.get('image') as File).size).toBe(3);
  });

  it('parses X-Crop strictly', () => {
    expect(parseCrop('0,0,1,1')).toEqual({ x: 0, y: 0, width: 1, height: 1 });
    for (const bad of [null, '', '1,2,3', '1,2,3,0', '-1,0,2,2', 'a,b,c,d', '1.5,0,2,2']) expect(parseCrop(bad)).toBeNull();
  });

  it('cancels with DELETE /api/v1/jobs/{id}', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => new Response(null, { status: 204 }));
    vi.stubGlobal('fetch', fetchMock);
    await deleteJob('0190-a');
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/api/v1/jobs/0190-a');
    expect(init.method).toBe('DELETE');
  });
});

describe('uuidv7', () => {
  it('is a time-ordered UUID v7', () => {
    const a = uuidv7(1_700_000_000_000);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.replace(/-/g, '').slice(0, 12)).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
    expect(uuidv7(1_700_000_000_001) > a).toBe(true);
  });
});
