// What the server told us: config, current model, plugins, model download progress.
import { create } from 'zustand';
import type { PluginsResponse, ServerConfig } from '../api/types';

export interface DownloadProgress {
  name: string;
  fraction: number | null;
  state: string | null;
  error: string | null;
}

interface ServerState {
  config: ServerConfig | null;
  model: string | null;
  plugins: PluginsResponse | null;
  downloads: Record<string, DownloadProgress>;
  setConfig: (c: ServerConfig) => void;
  setModel: (m: string) => void;
  setPlugins: (p: PluginsResponse) => void;
  setDownload: (d: DownloadProgress) => void;
}

export const useServer = create<ServerState>()((set, get) => ({
  config: null,
  model: null,
  plugins: null,
  downloads: {},
  setConfig: (config) => set({ config }),
  setModel: (model) => set({ model }),
  setPlugins: (plugins) => set({ plugins }),
  setDownload: (d) => set({ downloads: { ...get().downloads, [d.name]: d } }),
}));
