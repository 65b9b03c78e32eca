// The browser tab's session id: a UUID kept in sessionStorage (a reload keeps it, a new tab gets
// its own). Used for session snapshots and the cloud budget's per-session cap.
const KEY = 'mend.session';

function uuid(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A UUID v7 (48-bit Unix milliseconds, then random bits): time-ordered, as job and history ids
 * must be. The editor sends one as `X-Job-Id` so it knows its job's id before the answer.
 */
export function uuidv7(now = Date.now()): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x70;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let fallback: string | null = null;

/** The session id, created on first use. Storage blocked: one id per page load. */
export function sessionId(storage: Storage | null = safeStorage()): string {
  if (!storage) return (fallback ??= uuid());
  const v = storage.getItem(KEY);
  if (v && UUID_RE.test(v)) return v;
  const id = uuid();
  storage.setItem(KEY, id);
  return id;
}

const SAVED_KEY = 'mend.snapshot-saved';

/** Notes that this tab's session has a snapshot on the server (set after a save). */
export function markSnapshotSaved(storage: Storage | null = safeStorage()): void {
  storage?.setItem(SAVED_KEY, '1');
}

/**
 * Whether this tab saved a snapshot before, so a restore has something to ask for (a fresh tab
 * asks for nothing instead of an unknown session's 404).
 */
export function snapshotSaved(storage: Storage | null = safeStorage()): boolean {
  return storage?.getItem(SAVED_KEY) === '1';
}

function safeStorage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}
