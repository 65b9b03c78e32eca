import { afterEach, describe, expect, it, vi } from 'vitest';
import { cloudEdit, cloudErrorMessage, estimate, getBudget, usd } from '../src/api/cloud';
import { ApiError } from '../src/api/client';
import { listPrice, presetValues } from '../src/components/cloud/presets';
import type { Budget, CloudModel } from '../src/api/types';

afterEach(() => vi.unstubAllGlobals());

const MODEL: CloudModel = {
  id: 'gpt-image-1',
  operations: ['edit', 'generation'],
  sizes: ['1024x1024', '1536x1024'],
  qualities: ['low', 'medium', 'high'],
  prices: { '1024x1024/low': 0.011, '1024x1024/high': 0.167 },
};

function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

describe('cloud API', () => {
  it('reads the budget with the session id, unlimited caps as null', async () => {
    const budget: Budget = {
      provider_configured: true,
      caps: { daily_usd: 10, monthly_usd: 0, session_usd: 5 },
      spent: { day: 1.2, month: 3.4, session: 0.5 },
      reserved: { day: 0, month: 0, session: 0 },
      remaining: { day: 8.8, month: null, session: 4.5 },
      min_interval_secs: 10,
      dedupe_ttl_secs: 3600,
    };
    const f = vi.fn(async (_u: string) => jsonResponse(budget));
    vi.stubGlobal('fetch', f);
    const b = await getBudget('abc-1');
    expect(f.mock.calls[0]?.[0]).toBe('/api/v1/budget?session_id=abc-1');
    expect(b.remaining.month).toBeNull();
  });

  it('posts estimates', async () => {
    const f = vi.fn(async (_u: string, _i?: RequestInit) => jsonResponse({ estimate_usd: 0.042, allowed: true, blocked_by: null, retry_after_secs: null }));
    vi.stubGlobal('fetch', f);
    const e = await estimate({ model: 'gpt-image-1', operation: 'edit', size: '1024x1024', quality: 'medium', n: 1, session_id: 's' });
    expect(e.estimate_usd).toBe(0.042);
    expect(JSON.parse(String(f.mock.calls[0]?.[1]?.body))).toMatchObject({ operation: 'edit', n: 1 });
  });

  it('reads cost, job and dedupe headers of an edit', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(new Blob([new Uint8Array([137, 80])]), { status: 200, headers: { 'X-Mend-Job-Id': 'j', 'X-Mend-Cost-Usd': '0.011', 'X-Mend-Dedupe': 'hit' } })));
    const r = await cloudEdit({ image: 'a', mask: 'b', prompt: 'p', model: 'm', size: '1024x1024', quality: 'low', n: 1, session_id: 's' });
    expect(r).toMatchObject({ jobId: 'j', costUsd: 0.011, dedupe: 'hit' });
  });

  it('explains 402, 429, 503 and 502', async () => {
    const fail = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(body, status, headers)));
    const req = { image: 'a', mask: 'b', prompt: 'p', model: 'm', size: 's', quality: 'q', n: 1 as const, session_id: 's' };
    fail(402, { error: 'budget', cap: 'daily', limit_usd: 10, spent_usd: 9.99, estimate_usd: 0.042 });
    let m = cloudErrorMessage(await cloudEdit(req).catch((e: unknown) => e));
    expect(m.title).toBe('Budget cap reached');
    expect(m.message).toContain('daily');
    expect(m.message).toContain('$9.99 of $10.00');
    fail(429, { error: 'slow down' }, { 'Retry-After': '7' });
    m = cloudErrorMessage(await cloudEdit(req).catch((e: unknown) => e));
    expect(m.message).toContain('7 s');
    fail(503, { error: 'no key' });
    expect(cloudErrorMessage(await cloudEdit(req).catch((e: unknown) => e)).title).toBe('No cloud provider configured');
    fail(502, { error: 'Invalid image size' });
    m = cloudErrorMessage(await cloudEdit(req).catch((e: unknown) => e));
    expect(m.title).toBe('The provider failed');
    expect(m.message).toContain('Invalid image size');
    expect(cloudErrorMessage(new ApiError(500, 'x', null, null)).title).toBe('Cloud edit failed');
  });

  it('formats dollars and applies presets', () => {
    expect(usd(0.011)).toBe('$0.011');
    expect(usd(1.2)).toBe('$1.20');
    expect(presetValues('draft', MODEL, { size: 'x', quality: 'y' })).toEqual({ size: '1024x1024', quality: 'low' });
    expect(presetValues('final', MODEL, { size: 'x', quality: 'y' })).toEqual({ size: '1024x1024', quality: 'high' });
    expect(presetValues('custom', MODEL, { size: '1536x1024', quality: 'medium' })).toEqual({ size: '1536x1024', quality: 'medium' });
    expect(listPrice(MODEL, '1024x1024', 'high')).toBe(0.167);
    expect(listPrice(MODEL, '1536x1024', 'high')).toBeNull();
  });
});
