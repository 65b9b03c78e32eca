import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttleLatest } from '../src/lib/throttle';

describe('throttleLatest', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('passes the first value at once and then only the last of each window', () => {
    const seen: number[] = [];
    const t = throttleLatest((v: number) => seen.push(v), 200, () => Date.now());
    t.push(1);
    expect(seen).toEqual([1]);
    for (const v of [2, 3, 4]) {
      vi.advanceTimersByTime(50);
      t.push(v);
    }
    expect(seen).toEqual([1]);
    vi.advanceTimersByTime(49);
    expect(seen).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual([1, 4]);
    // A value long after the last redraw goes through at once again.
    vi.advanceTimersByTime(1000);
    t.push(5);
    expect(seen).toEqual([1, 4, 5]);
  });

  it('cancel drops the waiting value', () => {
    const seen: number[] = [];
    const t = throttleLatest((v: number) => seen.push(v), 200, () => Date.now());
    t.push(1);
    t.push(2);
    t.cancel();
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([1]);
    t.push(3);
    expect(seen).toEqual([1, 3]);
  });
});
