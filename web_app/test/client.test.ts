import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, messageOf, request } from '../src/api/client';
import { inpaint } from '../src/api/iopaint';

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
