// The editor's document: the opened file, its stack of results and the mask being painted.
import { create } from 'zustand';
import * as stack from '../lib/stack';
import type { MaskOp, StackState } from '../lib/stack';

/**
 * The changed rectangle of a result (`POST /api/v1/edit` with `crop=changed`), shown over the
 * step it was made from until the result's own bytes are loaded.
 */
export interface Patch {
  /** The step the edit ran on. */
  base: Step;
  x: number;
  y: number;
  bitmap: ImageBitmap;
}

/** One image on the stack: the original or a result. */
export interface Step {
  /** The image bytes; `null` while a patched result's bytes are loading (see `patch`). */
  blob: Blob | null;
  /** Object URL of `blob`; `null` while it loads. */
  url: string | null;
  width: number;
  height: number;
  /** The history entry whose `output` this is (`input` for the original), if stored. */
  historyId: string | null;
  source: 'upload' | 'local' | 'cloud' | 'plugin' | 'history' | 'restore';
  /** Data URL of the bytes, computed once when a JSON route needs it (cloud, plugins). */
  dataUrl?: Promise<string>;
  /** SHA-256 under which the server keeps this image (`POST /api/v1/edit` sends only it). */
  serverKey?: string | null;
  /** What is on screen until `blob` is loaded: the changed rectangle over `patch.base`. */
  patch?: Patch | null;
  /** Loading `blob` for a patched step (see `loadFull` in actions/steps). */
  full?: Promise<Blob>;
}

export interface OpenedFile {
  name: string;
  mime: string;
}

interface EditorState extends StackState<Step> {
  file: OpenedFile | null;
  /** The history entry whose `input` is the original (for session snapshots). */
  originalHistoryId: string | null;
  /** Bumped when a patched step's bytes arrive (the step object is updated in place). */
  loaded: number;
  open: (file: OpenedFile, first: Step, originalHistoryId?: string | null) => void;
  restore: (file: OpenedFile, steps: Step[], index: number, originalHistoryId: string | null) => void;
  pushResult: (step: Step) => void;
  addOp: (op: MaskOp) => void;
  clearMask: () => void;
  undo: () => void;
  redo: () => void;
  setOriginalHistoryId: (id: string) => void;
  stepLoaded: () => void;
}

/** Releases what a step no longer on the stack holds. */
function release(s: Step): void {
  if (s.url) URL.revokeObjectURL(s.url);
  s.patch?.bitmap.close();
}

function stackOf(s: StackState<Step>): StackState<Step> {
  return { steps: s.steps, index: s.index, ops: s.ops, redoOps: s.redoOps };
}

export const useEditor = create<EditorState>()((set, get) => ({
  ...stack.emptyStack<Step>(),
  file: null,
  originalHistoryId: null,
  loaded: 0,
  open: (file, first, originalHistoryId = null) => {
    for (const s of get().steps) release(s);
    set({ ...stack.start(first), file, originalHistoryId });
  },
  restore: (file, steps, index, originalHistoryId) => {
    for (const s of get().steps) release(s);
    set({ steps, index, ops: [], redoOps: [], file, originalHistoryId });
  },
  pushResult: (step) => {
    const s = get();
    for (const dropped of s.steps.slice(s.index + 1)) release(dropped);
    set(stack.pushStep(stackOf(s), step));
  },
  addOp: (op) => set(stack.addOp(stackOf(get()), op)),
  clearMask: () => set(stack.clearMask(stackOf(get()))),
  undo: () => set(stack.undo(stackOf(get()))),
  redo: () => set(stack.redo(stackOf(get()))),
  setOriginalHistoryId: (id) => set({ originalHistoryId: id }),
  stepLoaded: () => set({ loaded: get().loaded + 1 }),
}));

/**
 * What shows `step`: the nearest step at or below it whose bytes are loaded (`url`), and the
 * patches to draw over that image, bottom first.
 */
export function shownOf(step: Step): { url: string | null; patches: Patch[] } {
  const patches: Patch[] = [];
  let s: Step = step;
  while (!s.url && s.patch) {
    patches.unshift(s.patch);
    s = s.patch.base;
  }
  return { url: s.url, patches };
}

/** The step on screen, if an image is open. */
export const currentStep = (s: StackState<Step>): Step | null => s.steps[s.index] ?? null;
