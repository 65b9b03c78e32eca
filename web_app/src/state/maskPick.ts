// The mask generator armed for picking: while set, a click on the canvas asks that plugin for
// a mask at the clicked point instead of painting. Kept apart from the shared UI store.
import { create } from 'zustand';

interface MaskPickState {
  /** Id of the armed mask-generator plugin, or null (the brush paints as usual). */
  pluginId: string | null;
  arm: (pluginId: string | null) => void;
}

export const useMaskPick = create<MaskPickState>()((set) => ({
  pluginId: null,
  arm: (pluginId) => set({ pluginId }),
}));
