// Transient UI state: toasts, the side panel's tab, the view transform, the running job.
import { create } from 'zustand';

export type ToastKind = 'error' | 'info' | 'success';
export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  message: string;
}

export type Tab = 'settings' | 'plugins' | 'history' | 'files' | 'cloud';
export type Tool = 'brush' | 'erase';

export interface View {
  scale: number;
  x: number;
  y: number;
}

export interface RunningJob {
  kind: 'local' | 'cloud' | 'plugin';
  label: string;
  startedAt: number;
  progress: number | null;
  jobId: string | null;
  cancel: () => void;
}

export interface Timing {
  /** Stroke end (or run click) to the result decoded on screen, ms. */
  uiMs: number;
  /** Request sent to response body received, ms. */
  requestMs: number;
}

interface UiState {
  toasts: Toast[];
  tab: Tab;
  tool: Tool;
  view: View;
  compare: boolean;
  job: RunningJob | null;
  lastTiming: Timing | null;
  connected: boolean;
  toast: (kind: ToastKind, title: string, message?: string) => void;
  dismiss: (id: number) => void;
  setTab: (tab: Tab) => void;
  setTool: (tool: Tool) => void;
  setView: (view: View) => void;
  setCompare: (on: boolean) => void;
  setJob: (job: RunningJob | null) => void;
  patchJob: (patch: Partial<RunningJob>) => void;
  setTiming: (t: Timing) => void;
  setConnected: (c: boolean) => void;
}

let nextId = 1;

export const useUi = create<UiState>()((set, get) => ({
  toasts: [],
  tab: 'settings',
  tool: 'brush',
  view: { scale: 1, x: 0, y: 0 },
  compare: false,
  job: null,
  lastTiming: null,
  connected: false,
  toast: (kind, title, message = '') => {
    const id = nextId++;
    set({ toasts: [...get().toasts.slice(-4), { id, kind, title, message }] });
    if (kind !== 'error') setTimeout(() => get().dismiss(id), 4000);
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
  setTab: (tab) => set({ tab }),
  setTool: (tool) => set({ tool }),
  setView: (view) => set({ view }),
  setCompare: (compare) => set({ compare }),
  setJob: (job) => set({ job }),
  patchJob: (patch) => {
    const job = get().job;
    if (job) set({ job: { ...job, ...patch } });
  },
  setTiming: (lastTiming) => set({ lastTiming }),
  setConnected: (connected) => set({ connected }),
}));

/** Shows an error toast for a thrown value (never silent). */
export function reportError(title: string, e: unknown): void {
  if (e instanceof DOMException && e.name === 'AbortError') return;
  useUi.getState().toast('error', title, e instanceof Error ? e.message : String(e));
}
