// The budget guard and cloud edit routes (mend's cloud backend).
import { ApiError, json, request, sendJson } from './client';
import type {
  Budget,
  BudgetConfig,
  CloudEditRequest,
  CloudEditResult,
  CloudModel,
  Estimate,
  EstimateRequest,
} from './types';

export const getBudget = (sessionId: string): Promise<Budget> =>
  json(`/api/v1/budget?session_id=${encodeURIComponent(sessionId)}`);

export const getBudgetConfig = (): Promise<BudgetConfig> => json('/api/v1/budget/config');

export const putBudgetConfig = (patch: Partial<BudgetConfig>): Promise<BudgetConfig> =>
  sendJson('/api/v1/budget/config', 'PUT', patch);

export const listCloudModels = (): Promise<CloudModel[]> => json('/api/v1/cloud/models');

export const estimate = (req: EstimateRequest, signal?: AbortSignal): Promise<Estimate> =>
  sendJson('/api/v1/budget/estimate', 'POST', req, signal);

function numberHeader(res: Response, name: string): number | null {
  const v = res.headers.get(name);
  if (v === null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Sends a cloud edit; errors are ApiErrors (see cloudErrorMessage). */
export async function cloudEdit(req: CloudEditRequest, signal?: AbortSignal): Promise<CloudEditResult> {
  const res = await request(
    '/api/v1/cloud/edit',
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(req),
      signal: signal ?? null,
    },
    'Cloud edit',
  );
  const dedupe = res.headers.get('X-Mend-Dedupe');
  return {
    blob: await res.blob(),
    jobId: res.headers.get('X-Mend-Job-Id'),
    costUsd: numberHeader(res, 'X-Mend-Cost-Usd'),
    dedupe: dedupe === 'hit' || dedupe === 'miss' ? dedupe : null,
  };
}

/** Formats US dollars: cents for amounts ≥ $0.10, else three decimals. */
export function usd(v: number): string {
  return `$${v >= 0.1 || v === 0 ? v.toFixed(2) : v.toFixed(3)}`;
}

const CAP_LABEL: Record<string, string> = { daily: 'daily', monthly: 'monthly', session: 'session' };

function field(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
}

/** A readable title + message for a failed cloud call (402, 429, 503, 502, others). */
export function cloudErrorMessage(e: unknown): { title: string; message: string } {
  if (!(e instanceof ApiError)) {
    return { title: 'Cloud edit failed', message: e instanceof Error ? e.message : String(e) };
  }
  const body = e.body;
  switch (e.status) {
    case 402: {
      const cap = String(field(body, 'cap') ?? '');
      const limit = Number(field(body, 'limit_usd'));
      const spent = Number(field(body, 'spent_usd'));
      const est = Number(field(body, 'estimate_usd'));
      const parts = [
        `This edit (${Number.isFinite(est) ? usd(est) : 'unknown cost'}) would exceed the ${CAP_LABEL[cap] ?? cap} budget cap`,
      ];
      if (Number.isFinite(limit) && Number.isFinite(spent)) parts.push(`: ${usd(spent)} of ${usd(limit)} spent`);
      return { title: 'Budget cap reached', message: `${parts.join('')}. Raise the cap in Cloud settings or wait for the period to reset.` };
    }
    case 429: {
      const wait = e.retryAfter ?? Number(field(body, 'retry_after_secs'));
      const when = Number.isFinite(wait) && wait !== null ? ` Try again in ${Math.ceil(wait)} s.` : '';
      return { title: 'Too many cloud requests', message: `The per-session rate limit was hit.${when}` };
    }
    case 503:
      return {
        title: 'No cloud provider configured',
        message: 'The server has no provider API key. Set one on the server (see docs) or switch to Local.',
      };
    case 502:
      return { title: 'The provider failed', message: `The image provider answered an error: ${e.message}` };
    case 404:
      return { title: 'Cloud is not available', message: 'This server has no cloud backend (/api/v1/cloud).' };
    default:
      return { title: 'Cloud edit failed', message: e.message };
  }
}
