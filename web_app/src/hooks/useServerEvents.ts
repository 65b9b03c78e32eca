// Socket.IO: job progress and ids, plugin changes, model switches and downloads.
import { useEffect } from 'react';
import { refreshPlugins } from '../actions/plugins';
import { getServerConfig } from '../api/iopaint';
import { connectSocket } from '../api/socket';
import { useServer } from '../state/server';
import { useUi } from '../state/ui';

export function useServerEvents(): void {
  useEffect(() => {
    const socket = connectSocket();
    const ui = useUi.getState;
    socket.on('connect', () => ui().setConnected(true));
    socket.on('disconnect', () => ui().setConnected(false));
    socket.on('job_state', (job) => {
      const j = ui().job;
      if (j && j.kind === 'local' && !j.jobId && (job.state === 'queued' || job.state === 'running')) ui().patchJob({ jobId: job.id });
    });
    socket.on('mend_progress', (e) => {
      const j = ui().job;
      if (j && (j.jobId === null || j.jobId === e.job_id)) ui().patchJob({ progress: e.progress, jobId: e.job_id });
    });
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
      socket.disconnect();
    };
  }, []);
}
