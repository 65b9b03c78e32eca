// The editor's undo model as pure functions: a stack of image steps plus the mask operations
// painted on the current step. Undo removes the last mask operation first, then steps back
// through results; redo does the reverse. A new result drops the redo branch and the mask.

/** One mask operation, in image pixels. White (brush) marks the area to change. */
export type MaskOp =
  | { type: 'stroke'; mode: 'brush' | 'erase'; size: number; points: [number, number][] }
  | { type: 'replace'; mask: HTMLCanvasElement | OffscreenCanvas };

export interface StackState<T> {
  steps: T[];
  index: number;
  ops: MaskOp[];
  redoOps: MaskOp[];
}

export function emptyStack<T>(): StackState<T> {
  return { steps: [], index: -1, ops: [], redoOps: [] };
}

/** Starts over with one step (a newly opened image). */
export function start<T>(first: T): StackState<T> {
  return { steps: [first], index: 0, ops: [], redoOps: [] };
}

/** Adds a result after the current step, dropping redo steps and the mask. */
export function pushStep<T>(s: StackState<T>, step: T): StackState<T> {
  return { steps: [...s.steps.slice(0, s.index + 1), step], index: s.index + 1, ops: [], redoOps: [] };
}

export function addOp<T>(s: StackState<T>, op: MaskOp): StackState<T> {
  return { ...s, ops: [...s.ops, op], redoOps: [] };
}

export function clearMask<T>(s: StackState<T>): StackState<T> {
  return { ...s, ops: [], redoOps: [] };
}

export const canUndo = <T>(s: StackState<T>): boolean => s.ops.length > 0 || s.index > 0;
export const canRedo = <T>(s: StackState<T>): boolean => s.redoOps.length > 0 || s.index < s.steps.length - 1;

export function undo<T>(s: StackState<T>): StackState<T> {
  if (s.ops.length > 0) {
    const last = s.ops[s.ops.length - 1] as MaskOp;
    return { ...s, ops: s.ops.slice(0, -1), redoOps: [...s.redoOps, last] };
  }
  if (s.index > 0) return { ...s, index: s.index - 1, ops: [], redoOps: [] };
  return s;
}

export function redo<T>(s: StackState<T>): StackState<T> {
  if (s.redoOps.length > 0) {
    const op = s.redoOps[s.redoOps.length - 1] as MaskOp;
    return { ...s, ops: [...s.ops, op], redoOps: s.redoOps.slice(0, -1) };
  }
  if (s.index < s.steps.length - 1) return { ...s, index: s.index + 1, ops: [], redoOps: [] };
  return s;
}

/** The mask has painted content (at least one brush stroke or replacement). */
export const hasMask = <T>(s: StackState<T>): boolean => s.ops.some((o) => o.type === 'replace' || o.mode === 'brush');
