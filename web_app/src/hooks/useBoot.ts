// Start-up: server config, current model, plugins, then the session restore.
import { useEffect } from 'react';
import { refreshPlugins } from '../actions/plugins';
import { restoreSession, watchSession } from '../actions/session';
import { getCurrentModel, getServerConfig } from '../api/iopaint';
import { useServer } from '../state/server';
import { reportError } from '../state/ui';

export function useBoot(): void {
  useEffect(() => {
    getServerConfig()
      .then((c) => useServer.getState().setConfig(c))
      .catch((e: unknown) => reportError('Could not reach the server', e));
    getCurrentModel()
      .then((m) => useServer.getState().setModel(m.name))
      .catch((e: unknown) => reportError('Could not read the current model', e));
    void refreshPlugins();
    restoreSession().catch((e: unknown) => reportError('Could not restore your session', e));
    return watchSession();
  }, []);
}
