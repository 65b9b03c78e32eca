// The cloud backend's contract, mocked with page.route for the UI test until the real
// backend is merged: budget, budget config, cloud models, estimate and edit (200/402/429/503/502).
import { photoPng } from './photo.mjs';

const MODELS = [
  {
    id: 'gpt-image-1',
    operations: ['edit', 'generation'],
    sizes: ['1024x1024', '1024x1536', '1536x1024'],
    qualities: ['low', 'medium', 'high'],
    prices: { '1024x1024/low': 0.011, '1024x1024/medium': 0.042, '1024x1024/high': 0.167, '1024x1536/low': 0.016, '1024x1536/medium': 0.063, '1024x1536/high': 0.25, '1536x1024/low': 0.016, '1536x1024/medium': 0.063, '1536x1024/high': 0.25 },
  },
];

export async function mockCloud(page, base) {
  const state = {
    edits: [],
    nextEditStatus: 200,
    spent: { day: 1.2, month: 3.4, session: 0.5 },
    config: { daily_cap_usd: 10, monthly_cap_usd: 100, session_cap_usd: 5, min_interval_secs: 10, dedupe_ttl_secs: 3600 },
  };
  const budget = () => ({
    provider_configured: true,
    caps: { daily_usd: state.config.daily_cap_usd, monthly_usd: state.config.monthly_cap_usd, session_usd: state.config.session_cap_usd },
    spent: state.spent,
    reserved: { day: 0, month: 0, session: 0 },
    remaining: {
      day: state.config.daily_cap_usd ? +(state.config.daily_cap_usd - state.spent.day).toFixed(3) : null,
      month: state.config.monthly_cap_usd ? +(state.config.monthly_cap_usd - state.spent.month).toFixed(3) : null,
      session: state.config.session_cap_usd ? +(state.config.session_cap_usd - state.spent.session).toFixed(3) : null,
    },
    min_interval_secs: state.config.min_interval_secs,
    dedupe_ttl_secs: state.config.dedupe_ttl_secs,
  });
  const handler = async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    const p = url.pathname;
    if (p === '/api/v1/budget') return route.fulfill({ json: budget() });
    if (p === '/api/v1/budget/config') {
      if (req.method() === 'PUT') Object.assign(state.config, req.postDataJSON());
      return route.fulfill({ json: state.config });
    }
    if (p === '/api/v1/cloud/models') return route.fulfill({ json: MODELS });
    if (p === '/api/v1/budget/estimate') {
      const b = req.postDataJSON();
      const price = MODELS[0].prices[`${b.size}/${b.quality}`] ?? 0.05;
      return route.fulfill({ json: { estimate_usd: price, allowed: true, blocked_by: null, retry_after_secs: null } });
    }
    if (p === '/api/v1/cloud/edit') {
      const b = req.postDataJSON();
      const status = state.nextEditStatus;
      state.nextEditStatus = 200;
      if (status === 402) return route.fulfill({ status, json: { error: 'budget exceeded', cap: 'daily', limit_usd: 10, spent_usd: 9.99, estimate_usd: 0.011 } });
      if (status === 429) return route.fulfill({ status, headers: { 'Retry-After': '7' }, json: { error: 'rate limited' } });
      if (status !== 200) return route.fulfill({ status, json: { error: `mock ${status}` } });
      state.edits.push(b);
      state.spent = { day: state.spent.day + 0.011, month: state.spent.month + 0.011, session: state.spent.session + 0.011 };
      return route.fulfill({ status: 200, body: photoPng(), headers: { 'Content-Type': 'image/png', 'X-Mend-Job-Id': 'job-1', 'X-Mend-Cost-Usd': '0.011', 'X-Mend-Dedupe': 'miss' } });
    }
    return route.continue();
  };
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/api/v1/(budget|cloud)`);
  await page.route(pattern, handler);
  return Object.assign(state, { stop: () => page.unroute(pattern, handler) });
}
