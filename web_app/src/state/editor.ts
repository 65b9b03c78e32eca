// The editor's document: the opened file, its stack of results and the mask being painted.
import { create } from 'zustand';
import * as stack from '../lib/stack';
import type { MaskOp, StackState } from '../lib/stack';

/** One image on the stack: the original or a result. */
export interface Step {
  blob: Blob;
  url: string;
  width: number;
  height: number;
  /** The history entry whose `output` this is (`input` for the original), if stored. */
  historyId: string | null;
  source: 'upload' | 'local' | 'cloud' | 'plugin' | 'history' | 'restore';
  /** Data URL of the bytes, computed once and reused for every request. */
  dataUrl?: Promise<string>;
}

export interface OpenedFile {
  name: string;
  mime: string;
}

interface EditorState extends StackState<Step> {
  file: OpenedFile | null;
  /** The history entry whose `input` is the original (for session snapshots). */
  originalHistoryId: string | null;
  open: (file: OpenedFile, first: Step, originalHistoryId?: string | null) => void;
  restore: (file: OpenedFile, steps: Step[], index: number, originalHistoryId: string | null) => void;
  pushResult: (step: Step) => void;
  addOp: (op: MaskOp) => void;
  clearMask: () => void;
  undo: () => void;
  redo: () => void;
  setOriginalHistoryId: (id: string) => void;
}

function stackOf(s: StackState<Step>): StackState<Step> {
  return { steps: s.steps, index: s.index, ops: s.ops, redoOps: s.redoOps };
}

export const useEditor = create<EditorState>()((set, get) => ({
  ...stack.emptyStack<Step>(),
  file: null,
  originalHistoryId: null,
  open: (file, first, originalHistoryId = null) => {
    for (const s of get().steps) URL.revokeObjectURL(s.url);
    set({ ...stack.start(first), file, originalHistoryId });
  },
  restore: (file, steps, index, originalHistoryId) => {
    for (const s of get().steps) URL.revokeObjectURL(s.url);
    set({ steps, index, ops: [], redoOps: [], file, originalHistoryId });
  },
  pushResult: (step) => {
    const s = get();
    for (const dropped of s.steps.slice(s.index + 1)) URL.revokeObjectURL(dropped.url);
    set(stack.pushStep(stackOf(s), step));
  },
  addOp: (op) => set(stack.addOp(stackOf(get()), op)),
  clearMask: () => set(stack.clearMask(stackOf(get()))),
  undo: () => set(stack.undo(stackOf(get()))),
  redo: () => set(stack.redo(stackOf(get()))),
  setOriginalHistoryId: (id) => set({ originalHistoryId: id }),
}));

/** The step on screen, if an image is open. */
export const currentStep = (s: StackState<Step>): Step | null => s.steps[s.index] ?? null;
