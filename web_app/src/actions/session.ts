// Session snapshots: the stack (as history ids) is saved after every change and restored on load.
import { getSnapshot, historyExists, historyFileUrl, putSnapshot } from '../api/mend';
import type { SessionSnapshot } from '../api/types';
import { markSnapshotSaved, sessionId, snapshotSaved } from '../lib/session';
import { useEditor, type Step } from '../state/editor';
import { useUi } from '../state/ui';
import { makeStep } from './steps';

/** The snapshot of the editor's state, or null when nothing on the server can restore it. */
export function snapshotOf(s: {
  file: { name: string; mime: string } | null;
  steps: Pick<Step, 'historyId'>[];
  index: number;
  originalHistoryId: string | null;
}): SessionSnapshot | null {
  if (!s.file || !s.originalHistoryId || s.steps.length < 2) return null;
  // Keep the restorable prefix: stop at the first step the server has no entry for.
  const stack: (string | null)[] = ['original'];
  for (const step of s.steps.slice(1)) {
    if (!step.historyId) break;
    stack.push(step.historyId);
  }
  if (stack.length < 2) return null;
  return {
    file_name: s.file.name,
    mime: s.file.mime,
    stack,
    index: Math.min(s.index, stack.length - 1),
    original_history_id: s.originalHistoryId,
  };
}

let timer: ReturnType<typeof setTimeout> | null = null;
let lastSaved = '';
let chain: Promise<void> = Promise.resolve();

function save(keepalive = false): void {
  const snap = snapshotOf(useEditor.getState());
  if (!snap) return;
  const text = JSON.stringify(snap);
  if (text === lastSaved) return;
  lastSaved = text;
  chain = chain
    .then(() => putSnapshot(sessionId(), snap, keepalive))
    .then(() => markSnapshotSaved())
    .catch((e: unknown) => useUi.getState().toast('error', 'Session not saved', e instanceof Error ? e.message : String(e)));
}

/** Saves snapshots (debounced 250 ms) whenever the stack changes. Returns the unsubscribe. */
export function watchSession(): () => void {
  const unsub = useEditor.subscribe((s, prev) => {
    if (s.steps === prev.steps && s.index === prev.index && s.originalHistoryId === prev.originalHistoryId) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => save(), 250);
  });
  const onHide = (): void => {
    if (document.visibilityState === 'hidden') save(true);
  };
  document.addEventListener('visibilitychange', onHide);
  return () => {
    unsub();
    document.removeEventListener('visibilitychange', onHide);
  };
}

/** Waits for pending snapshot writes (tests, page hide). */
export async function flushSession(): Promise<void> {
  if (timer) {
    clearTimeout(timer);
    timer = null;
    save();
  }
  await chain;
}

async function fetchStep(url: string, historyId: string | null): Promise<Step> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status} for ${url}`);
  return makeStep(await res.blob(), 'restore', historyId);
}

/** Restores the session's snapshot, if any. True when something was restored. */
export async function restoreSession(): Promise<boolean> {
  if (!snapshotSaved()) return false;
  const snap = await getSnapshot(sessionId()).catch(() => null);
  if (!snap || !snap.original_history_id || snap.stack.length < 2) return false;
  const ids = snap.stack.slice(1).filter((x): x is string => typeof x === 'string');
  const alive: string[] = [];
  for (const id of ids) if (await historyExists(id)) alive.push(id);
  const origin = (await historyExists(snap.original_history_id)) ? snap.original_history_id : alive[0];
  if (!origin) return false;
  const original = await fetchStep(historyFileUrl(origin, 'input'), null);
  const results = await Promise.all(alive.map((id) => fetchStep(historyFileUrl(id, 'output'), id)));
  const steps = [original, ...results];
  const index = Math.max(0, Math.min(snap.index, steps.length - 1));
  useEditor.getState().restore({ name: snap.file_name, mime: snap.mime }, steps, index, origin);
  lastSaved = JSON.stringify(snapshotOf(useEditor.getState()));
  useUi.getState().toast('info', 'Restored your session', `${snap.file_name}: ${results.length} edit(s)`);
  return true;
}
