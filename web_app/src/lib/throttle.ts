// Rate limiting for redraws driven by server events.

/** A throttled sink: `push` a value, it reaches the callback at most once per window. */
export interface Throttled<T> {
  /** Offers the latest value. */
  push(value: T): void;
  /** Drops a value still waiting for its window. */
  cancel(): void;
}

/**
 * Passes values to `apply` at most once every `ms`: the first at once, and of the values pushed
 * within a window only the last, when the window ends. A model reporting progress many times
 * a second then redraws the page a few times a second, not once per report (every redraw costs
 * CPU the model, on the same machine, could use).
 */
export function throttleLatest<T>(apply: (value: T) => void, ms: number, now: () => number = () => performance.now()): Throttled<T> {
  let last = -Infinity;
  let pending: { value: T } | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = (): void => {
    timer = null;
    if (!pending) return;
    const { value } = pending;
    pending = null;
    last = now();
    apply(value);
  };
  return {
    push(value) {
      pending = { value };
      if (timer) return;
      const wait = last + ms - now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}
