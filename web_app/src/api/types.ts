// Types of the API: the generated OpenAPI schemas where the server documents them, and
// hand-written ones (checked by tests) for routes the document does not cover yet (plugins,
// budget, cloud) and for fields other branches are adding (model states, download progress).
import type { components } from './schema';

type S = components['schemas'];

/** Per-model state, when the server reports one (tolerated: any other string). */
export type ModelState = 'ready' | 'needs_download' | 'downloading' | 'unsupported' | (string & {});

/** IOPaint's ModelInfo plus optional fields the server may add. */
export type ModelInfo = S['ModelInfo'] & {
  state?: ModelState;
  size_bytes?: number | null;
  download_size?: number | null;
  reason?: string | null;
};

export type ServerConfig = Omit<S['ServerConfig'], 'modelInfos'> & { modelInfos: ModelInfo[] };
export type HistoryItem = S['HistoryItem'];
export type HistoryPage = S['HistoryPage'];
export type Job = S['Job'];
export type ModelEntry = S['ModelEntry'];
export type MediaFile = S['MediasResponse'];
export type MediaTab = S['MediaTab'];
export type Retention = S['Retention'];

/** One plugin parameter, as the manifest declares it. */
export interface ParamSpec {
  name: string;
  label: string;
  description: string;
  kind: 'boolean' | 'integer' | 'number' | 'text' | 'choice';
  range?: [number, number, number];
  options?: string[];
  default: ParamValue;
}

export type ParamValue = boolean | number | string | null;
export type ParamValues = Record<string, ParamValue>;
export type PluginHook = 'before-inpaint' | 'after-inpaint' | 'tool';

export interface PluginManifest {
  id: string;
  name: string;
  version: string;
  api_version: string;
  kind: 'processor' | 'mask-generator' | 'model-adapter';
  hooks: PluginHook[];
  description: string;
  params: ParamSpec[];
  capabilities: string[];
}

export interface PluginListing {
  id: string;
  enabled: boolean;
  manifest: PluginManifest;
  params: ParamValues;
  granted: string[];
  file: string;
  hash: string;
  size: number;
  loaded_at: number;
}

export interface PluginsResponse {
  plugins: PluginListing[];
  errors: { file: string; error: string }[];
  dir: string;
}

/** Answer of `POST /api/v1/plugins/{id}/run` (data URLs). */
export interface PluginRunResult {
  plugin: string;
  image: string | null;
  mask: string | null;
  stats?: unknown;
}

/** A hook use in an inpaint request. */
export interface PluginUse {
  id: string;
  params: ParamValues;
}

/** The editor's snapshot stored with `PUT /api/v1/sessions/{id}/snapshot`. */
export interface SessionSnapshot {
  file_name: string;
  mime: string;
  /** `"original"`, then the history id of each later step (null: not restorable). */
  stack: (string | null)[];
  index: number;
  original_history_id: string | null;
}

// ---- budget and cloud (mend's cloud backend) ----

export type Period = 'day' | 'month' | 'session';
export type CapName = 'daily' | 'monthly' | 'session';

export interface Budget {
  provider_configured: boolean;
  caps: { daily_usd: number; monthly_usd: number; session_usd: number };
  spent: Record<Period, number>;
  reserved: Record<Period, number>;
  /** null: unlimited (cap 0). */
  remaining: Record<Period, number | null>;
  min_interval_secs: number;
  dedupe_ttl_secs: number;
}

export interface BudgetConfig {
  daily_cap_usd: number;
  monthly_cap_usd: number;
  session_cap_usd: number;
  min_interval_secs: number;
  dedupe_ttl_secs: number;
}

export interface CloudModel {
  id: string;
  operations: string[];
  sizes: string[];
  qualities: string[];
  prices: Record<string, number>;
}

export interface EstimateRequest {
  model: string;
  operation: 'edit';
  size: string;
  quality: string;
  n: number;
  session_id: string;
}

export interface BlockedBy {
  cap: CapName;
  limit_usd: number;
  spent_usd: number;
  estimate_usd: number;
}

export interface Estimate {
  estimate_usd: number;
  allowed: boolean;
  blocked_by: BlockedBy | null;
  retry_after_secs: number | null;
}

export interface CloudEditRequest {
  image: string;
  mask: string;
  prompt: string;
  model: string;
  size: string;
  quality: string;
  n: 1;
  session_id: string;
}

export interface CloudEditResult {
  blob: Blob;
  jobId: string | null;
  costUsd: number | null;
  dedupe: 'hit' | 'miss' | null;
}
