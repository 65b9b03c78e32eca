// User settings, remembered in localStorage.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { ParamValues } from '../api/types';

export type Theme = 'dark' | 'light' | 'system';
export type HdStrategy = 'Crop' | 'Resize' | 'Original';
export type Cv2Flag = 'INPAINT_NS' | 'INPAINT_TELEA';
export type Preset = 'draft' | 'final' | 'custom';

export interface Settings {
  theme: Theme;
  autoRun: boolean;
  brushSize: number;
  kernelSize: number;
  cv2Flag: Cv2Flag;
  cv2Radius: number;
  hdStrategy: HdStrategy;
  cropTrigger: number;
  cropMargin: number;
  resizeLimit: number;
  /** Hook plugins used when erasing, by id. */
  hooks: Record<string, boolean>;
  /** Parameter values per plugin id. */
  pluginParams: Record<string, ParamValues>;
  mode: 'local' | 'cloud';
  cloudModel: string;
  preset: Preset;
  cloudSize: string;
  cloudQuality: string;
  prompt: string;
  /** Ask before a cloud edit estimated above this many dollars. */
  confirmAboveUsd: number;
}

export const DEFAULT_SETTINGS: Settings = {
  theme: 'system',
  autoRun: true,
  brushSize: 40,
  kernelSize: 12,
  cv2Flag: 'INPAINT_NS',
  cv2Radius: 4,
  hdStrategy: 'Crop',
  cropTrigger: 800,
  cropMargin: 128,
  resizeLimit: 1280,
  hooks: {},
  pluginParams: {},
  mode: 'local',
  cloudModel: '',
  preset: 'draft',
  cloudSize: '1024x1024',
  cloudQuality: 'low',
  prompt: 'Remove the masked object and fill in the background naturally.',
  confirmAboveUsd: 0.1,
};

interface SettingsState extends Settings {
  set: (patch: Partial<Settings>) => void;
  setPluginParam: (plugin: string, name: string, value: ParamValues[string]) => void;
  setHook: (plugin: string, on: boolean) => void;
}

export const useSettings = create<SettingsState>()(
  persist(
    (set, get) => ({
      ...DEFAULT_SETTINGS,
      set: (patch) => set(patch),
      setPluginParam: (plugin, name, value) =>
        set({ pluginParams: { ...get().pluginParams, [plugin]: { ...get().pluginParams[plugin], [name]: value } } }),
      setHook: (plugin, on) => set({ hooks: { ...get().hooks, [plugin]: on } }),
    }),
    { name: 'mend.settings', version: 1 },
  ),
);
