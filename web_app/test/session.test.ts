import { describe, expect, it } from 'vitest';
import { restoreSession, snapshotOf } from '../src/actions/session';
import { markSnapshotSaved, sessionId, snapshotSaved } from '../src/lib/session';
import { downloadName } from '../src/lib/image';
import { crc32 } from '../src/lib/png';

describe('session', () => {
  it('keeps a UUID in sessionStorage', () => {
    sessionStorage.clear();
    const a = sessionId();
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(sessionId()).toBe(a);
    sessionStorage.setItem('mend.session', 'not a uuid');
    expect(sessionId()).not.toBe('not a uuid');
  });

  it('asks the server for a snapshot only once this tab saved one', async () => {
    sessionStorage.clear();
    const calls: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = ((url: string) => {
      calls.push(String(url));
      return Promise.resolve(new Response('{"error":"not found"}', { status: 404 }));
    }) as typeof fetch;
    try {
      expect(await restoreSession()).toBe(false);
      expect(calls).toEqual([]);
      markSnapshotSaved();
      expect(snapshotSaved()).toBe(true);
      expect(await restoreSession()).toBe(false);
      expect(calls.some((u) => u.includes('/snapshot'))).toBe(true);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('snapshots the restorable prefix of the stack', () => {
    const file = { name: 'a.jpg', mime: 'image/jpeg' };
    expect(snapshotOf({ file, steps: [{ historyId: null }], index: 0, originalHistoryId: null })).toBeNull();
    const snap = snapshotOf({ file, steps: [{ historyId: null }, { historyId: 'h1' }, { historyId: 'h2' }, { historyId: null }], index: 3, originalHistoryId: 'h1' });
    expect(snap).toEqual({ file_name: 'a.jpg', mime: 'image/jpeg', stack: ['original', 'h1', 'h2'], index: 2, original_history_id: 'h1' });
  });
});

describe('helpers', () => {
  it('names downloads after the original in its format', () => {
    expect(downloadName('photo.jpg', 'image/jpeg')).toBe('photo-mend.jpg');
    expect(downloadName('scan.final.png', 'image/png')).toBe('scan.final-mend.png');
    expect(downloadName('x', 'image/webp')).toBe('x-mend.webp');
  });

  it('computes PNG CRCs', () => {
    expect((crc32(new TextEncoder().encode('IEND')) ^ 0xffffffff) >>> 0).toBe(0xae426082);
  });
});
