import { describe, expect, it } from 'vitest';
import * as st from '../src/lib/stack';
import type { MaskOp } from '../src/lib/stack';

const stroke = (mode: 'brush' | 'erase' = 'brush'): MaskOp => ({ type: 'stroke', mode, size: 10, points: [[1, 1]] });

describe('undo stack', () => {
  it('undoes strokes before results and redoes them back', () => {
    let s = st.start('orig');
    s = st.pushStep(s, 'r1');
    s = st.addOp(s, stroke());
    expect(st.canUndo(s)).toBe(true);
    s = st.undo(s);
    expect(s.ops).toHaveLength(0);
    expect(s.index).toBe(1);
    s = st.undo(s);
    expect(s.index).toBe(0);
    expect(st.canUndo(s)).toBe(false);
    s = st.redo(s);
    expect(s.index).toBe(1);
    expect(st.canRedo(s)).toBe(false);
  });

  it('redoes an undone stroke before stepping forward', () => {
    let s = st.pushStep(st.start('a'), 'b');
    s = st.undo(s);
    s = st.addOp(s, stroke());
    s = st.undo(s);
    expect(s.redoOps).toHaveLength(1);
    s = st.redo(s);
    expect(s.ops).toHaveLength(1);
    expect(s.index).toBe(0);
  });

  it('a new result drops the redo branch and the mask', () => {
    let s = st.pushStep(st.pushStep(st.start('a'), 'b'), 'c');
    s = st.undo(st.undo(s));
    s = st.addOp(s, stroke());
    s = st.pushStep(s, 'd');
    expect(s.steps).toEqual(['a', 'd']);
    expect(s.ops).toHaveLength(0);
    expect(st.canRedo(s)).toBe(false);
  });

  it('has a mask only with brush strokes or replacements', () => {
    let s = st.start('a');
    expect(st.hasMask(s)).toBe(false);
    s = st.addOp(s, stroke('erase'));
    expect(st.hasMask(s)).toBe(false);
    s = st.addOp(s, stroke('brush'));
    expect(st.hasMask(s)).toBe(true);
  });
});
