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

function safeStorage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}
