// Socket.IO: job progress, plugin changes, model switches and downloads.
import { useEffect } from 'react';
import { refreshPlugins } from '../actions/plugins';
import { getServerConfig } from '../api/iopaint';
import { connectSocket } from '../api/socket';
import { throttleLatest } from '../lib/throttle';
import { useServer } from '../state/server';
import { useUi } from '../state/ui';

/** Least time between two redraws of a job's progress. */
const PROGRESS_REDRAW_MS = 200;

export function useServerEvents(): void {
  useEffect(() => {
    const socket = connectSocket();
    const ui = useUi.getState;
    socket.on('connect', () => ui().setConnected(true));
    socket.on('disconnect', () => ui().setConnected(false));
    // Local edits choose their job id before sending (X-Job-Id): only that job's events count.
    // A cloud edit learns its id from its first progress event (it cancels by aborting).
    // The status bar redraws at most five times a second, and only for whole-percent changes
    // (a model may report progress dozens of times a second).
    const progress = throttleLatest((e: { job_id: string; progress: number }) => {
      const j = ui().job;
      if (!j || !(j.jobId === e.job_id || (j.kind === 'cloud' && j.jobId === null))) return;
      const same = j.jobId === e.job_id && j.progress !== null && Math.round(j.progress * 100) === Math.round(e.progress * 100);
      if (!same) ui().patchJob({ progress: e.progress, jobId: e.job_id });
    }, PROGRESS_REDRAW_MS);
    socket.on('mend_progress', (e) => progress.push(e));
    socket.on('mend_error', (e) => {
      const j = ui().job;
      if (j && j.jobId === e.job_id) ui().patchJob({ label: `Failed: ${e.error}` });
    });
    socket.on('plugins_changed', () => void refreshPlugins());
    socket.on('model_switched', (e) => useServer.getState().setModel(e.name));
    socket.on('model_download', (e) => {
      const name = e.name ?? e.model;
      if (!name) return;
      const fraction = typeof e.progress === 'number' ? e.progress : e.total ? (e.downloaded ?? 0) / e.total : null;
      useServer.getState().setDownload({ name, fraction, state: e.state ?? null, error: e.error ?? null });
      if (e.state === 'done' || e.state === 'ready' || fraction === 1) {
        getServerConfig().then((c) => useServer.getState().setConfig(c)).catch(() => undefined);
      }
    });
    return () => {
      progress.cancel();
      socket.disconnect();
    };
  }, []);
}
