// The HTTP client: fetch wrappers that turn every non-2xx answer into an ApiError with a
// readable message (mend's JSON error body, FastAPI 422 lists, or the status text).

/** A failed API call: HTTP status, readable message and the parsed body. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  /** Seconds from a `Retry-After` header, if any. */
  readonly retryAfter: number | null;

  constructor(status: number, message: string, body: unknown, retryAfter: number | null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The message of an error body: `detail` (string or FastAPI list), `error`, `errors`, text. */
export function messageOf(body: unknown, fallback: string): string {
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 500);
  if (!isRecord(body)) return fallback;
  const detail = body.detail;
  if (typeof detail === 'string' && detail.trim()) return detail;
  if (Array.isArray(detail)) {
    const parts = detail
      .map((d) => (isRecord(d) && typeof d.msg === 'string' ? d.msg : null))
      .filter((m): m is string => m !== null);
    if (parts.length) return parts.join('; ');
  }
  for (const key of ['message', 'error', 'errors'] as const) {
    const v = body[key];
    if (typeof v === 'string' && v.trim()) return v;
  }
  return fallback;
}

function retryAfterOf(res: Response): number | null {
  const v = res.headers.get('Retry-After');
  if (v === null) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => '');
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Builds the ApiError of a failed response. */
export async function toApiError(res: Response, what: string): Promise<ApiError> {
  const body = await readBody(res);
  const fallback = `${what}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  return new ApiError(res.status, messageOf(body, fallback), body, retryAfterOf(res));
}

/** `fetch` that throws ApiError on HTTP errors and a readable error when the server is down. */
export async function request(path: string, init: RequestInit = {}, what = path): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, `${what}: the server cannot be reached`, null, null);
  }
  if (!res.ok) throw await toApiError(res, what);
  return res;
}

/** GET (or another method) returning parsed JSON. */
export async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await request(path, init);
  return (await res.json()) as T;
}

/** A JSON body request: method + JSON.stringify(body). */
export function sendJson<T>(path: string, method: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return json<T>(path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: signal ?? null,
  });
}

/** The readable message of any thrown value. */
export function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
