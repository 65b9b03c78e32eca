// The bottom bar: file, size, step, model, device, the running job with progress and cancel.
import { useEffect, useState } from 'react';
import { currentStep, useEditor } from '../state/editor';
import { useServer } from '../state/server';
import { useUi } from '../state/ui';

/**
 * Whole seconds since `since`, redrawn once a second. The job row has no animation of its own:
 * on a machine without a GPU the browser draws every frame in software, and a spinner or a
 * 10 Hz clock there takes a tenth of a core from the model running next to it (LaMa strokes
 * were 15–20 % slower with them).
 */
function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(performance.now());
  useEffect(() => {
    const t = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const seconds = Math.floor((now - since) / 1000);
  return <span className="muted">{seconds >= 1 ? `${seconds} s` : ''}</span>;
}

/** True once `job` has been running for `delayMs` (fast edits never flash a busy indicator). */
function useShownAfter(active: boolean, delayMs: number): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!active) {
      setShown(false);
      return;
    }
    const t = setTimeout(() => setShown(true), delayMs);
    return () => clearTimeout(t);
  }, [active, delayMs]);
  return shown;
}

export function StatusBar() {
  const file = useEditor((s) => s.file);
  const step = useEditor((s) => currentStep(s));
  const index = useEditor((s) => s.index);
  const count = useEditor((s) => s.steps.length);
  const model = useServer((s) => s.model);
  const device = useServer((s) => s.config?.device);
  const job = useUi((s) => s.job);
  const timing = useUi((s) => s.lastTiming);
  const connected = useUi((s) => s.connected);
  const showJob = useShownAfter(job !== null, 250);

  return (
    <footer className="statusbar">
      {job && showJob ? (
        <div className="job" role="status" aria-live="polite" data-testid="job-status">
          <span>{job.label}…</span>
          {job.progress !== null && (
            <>
              <progress max={100} value={Math.round(job.progress * 100)} aria-label="Progress" />
              <span>{Math.round(job.progress * 100)}%</span>
            </>
          )}
          <Elapsed since={job.startedAt} />
          <button type="button" className="btn small" onClick={job.cancel}>
            Cancel
          </button>
        </div>
      ) : (
        <span className="muted" data-testid="status-text" aria-busy={job !== null}>
          {file ? `${file.name} · ${step?.width ?? 0}×${step?.height ?? 0} · step ${index} of ${count - 1}` : 'No image open'}
        </span>
      )}
      <span className="spacer" />
      {timing && <span className="muted" data-testid="timing">last edit {Math.round(timing.uiMs)} ms</span>}
      <span className="muted">model {model ?? '…'}</span>
      <span className="muted">device {device ?? '…'}</span>
      <span className={`dot ${connected ? 'ok' : 'off'}`} title={connected ? 'Live updates connected' : 'Live updates disconnected'} aria-label={connected ? 'connected' : 'disconnected'} />
    </footer>
  );
}
