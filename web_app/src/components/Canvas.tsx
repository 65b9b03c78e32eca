// The editing surface: the current image with the mask overlay, zoom (wheel), pan (space-drag or
// middle button), brush/eraser painting and the before/after compare slider.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { pickAt } from '../actions/maskGenerator';
import { runEdit } from '../actions/run';
import { drawStroke, renderMask } from '../lib/image';
import type { MaskOp } from '../lib/stack';
import { currentStep, shownOf, useEditor, type Patch } from '../state/editor';
import { useSettings } from '../state/settings';
import { useMaskPick } from '../state/maskPick';
import { useUi } from '../state/ui';
import { fitView, zoomAt } from '../lib/view';
import { DropHint } from './DropHint';

const MASK_COLOR = '#ffcc00';

type Stroke = Extract<MaskOp, { type: 'stroke' }>;

/** A result's changed rectangle, drawn where it belongs over the image it was made from. */
function PatchLayer({ patch }: { patch: Patch }) {
  const draw = useCallback(
    (c: HTMLCanvasElement | null) => {
      c?.getContext('2d')?.drawImage(patch.bitmap, 0, 0);
    },
    [patch],
  );
  return <canvas ref={draw} width={patch.bitmap.width} height={patch.bitmap.height} className="patch" style={{ left: patch.x, top: patch.y }} aria-hidden />;
}

export function Canvas() {
  const step = useEditor((s) => currentStep(s));
  const original = useEditor((s) => s.steps[0] ?? null);
  const ops = useEditor((s) => s.ops);
  // A patched step's bytes arrived: show its own image instead of base + patch.
  useEditor((s) => s.loaded);
  const view = useUi((s) => s.view);
  const tool = useUi((s) => s.tool);
  const compare = useUi((s) => s.compare);
  const busy = useUi((s) => s.job !== null);
  const brushSize = useSettings((s) => s.brushSize);
  const picking = useMaskPick((s) => s.pluginId !== null);

  const viewportRef = useRef<HTMLDivElement>(null);
  const maskRef = useRef<HTMLCanvasElement>(null);
  const stroke = useRef<Stroke | null>(null);
  const pan = useRef<{ x: number; y: number; vx: number; vy: number } | null>(null);
  const space = useRef(false);
  const [cursor, setCursor] = useState<{ x: number; y: number } | null>(null);
  const [panning, setPanning] = useState(false);
  const [split, setSplit] = useState(50);

  const fit = useCallback(() => {
    const vp = viewportRef.current;
    const s = currentStep(useEditor.getState());
    if (!vp || !s) return;
    useUi.getState().setView(fitView(vp.clientWidth, vp.clientHeight, s.width, s.height));
  }, []);

  // Fit when a different-sized image arrives, and on `mend:fit` (the `r` shortcut, the button).
  const dims = step ? `${step.width}x${step.height}` : '';
  useLayoutEffect(() => {
    if (dims) fit();
  }, [dims, fit]);
  useEffect(() => {
    const onFit = (): void => fit();
    document.addEventListener('mend:fit', onFit);
    return () => document.removeEventListener('mend:fit', onFit);
  }, [fit]);

  // Re-render the mask whenever its operations or the image change (not for the stroke just
  // painted: the canvas already shows it).
  const drawn = useRef<{ ops: MaskOp[]; step: unknown } | null>(null);
  useEffect(() => {
    const c = maskRef.current;
    if (c && step && (ops !== drawn.current?.ops || step !== drawn.current.step)) renderMask(c, ops, MASK_COLOR);
    drawn.current = { ops, step };
  }, [ops, step]);

  // Space held = pan mode.
  useEffect(() => {
    const down = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      if (e.code === 'Space' && !(t && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) {
        space.current = true;
        setPanning(true);
        e.preventDefault();
      }
    };
    const up = (e: KeyboardEvent): void => {
      if (e.code === 'Space') {
        space.current = false;
        setPanning(false);
      }
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, []);

  // Wheel zoom (non-passive so the page does not scroll).
  useEffect(() => {
    const vp = viewportRef.current;
    if (!vp) return;
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      const r = vp.getBoundingClientRect();
      const factor = Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015));
      useUi.getState().setView(zoomAt(useUi.getState().view, factor, e.clientX - r.left, e.clientY - r.top));
    };
    vp.addEventListener('wheel', onWheel, { passive: false });
    return () => vp.removeEventListener('wheel', onWheel);
  }, []);

  const toImage = (e: React.PointerEvent): [number, number] => {
    const r = viewportRef.current?.getBoundingClientRect();
    const v = useUi.getState().view;
    const x = (e.clientX - (r?.left ?? 0) - v.x) / v.scale;
    const y = (e.clientY - (r?.top ?? 0) - v.y) / v.scale;
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
  };

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>): void => {
    if (!step) return;
    (e.target as Element).setPointerCapture?.(e.pointerId);
    if (e.button === 1 || space.current) {
      const v = useUi.getState().view;
      pan.current = { x: e.clientX, y: e.clientY, vx: v.x, vy: v.y };
      return;
    }
    if (e.button !== 0 || compare || busy) return;
    if (pickAt(toImage(e), e.altKey)) return; // a mask generator is armed: the click picks
    const size = useSettings.getState().brushSize / useUi.getState().view.scale;
    stroke.current = { type: 'stroke', mode: useUi.getState().tool, size, points: [toImage(e)] };
    const ctx = maskRef.current?.getContext('2d', { willReadFrequently: true });
    if (ctx) drawStroke(ctx, stroke.current, MASK_COLOR);
  };

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>): void => {
    const r = viewportRef.current?.getBoundingClientRect();
    if (r) setCursor({ x: e.clientX - r.left, y: e.clientY - r.top });
    if (pan.current) {
      const p = pan.current;
      useUi.getState().setView({ ...useUi.getState().view, x: p.vx + e.clientX - p.x, y: p.vy + e.clientY - p.y });
      return;
    }
    const s = stroke.current;
    if (!s) return;
    const events = typeof e.nativeEvent.getCoalescedEvents === 'function' ? e.nativeEvent.getCoalescedEvents() : [];
    const points = (events.length ? events : [e.nativeEvent]).map((ev) => toImage(ev as unknown as React.PointerEvent));
    const last = s.points[s.points.length - 1];
    s.points.push(...points);
    const ctx = maskRef.current?.getContext('2d', { willReadFrequently: true });
    if (ctx && last) drawStroke(ctx, { ...s, points: [last, ...points] }, MASK_COLOR);
  };

  const onPointerUp = (): void => {
    pan.current = null;
    const s = stroke.current;
    stroke.current = null;
    if (!s) return;
    const t0 = performance.now();
    useEditor.getState().addOp(s);
    drawn.current = { ops: useEditor.getState().ops, step: currentStep(useEditor.getState()) };
    if (s.mode === 'brush' && useSettings.getState().autoRun) void runEdit(t0);
  };

  const transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  const shown = step ? shownOf(step) : null;
  const showBrush = step && cursor && !panning && !compare && !picking;
  return (
    <div
      ref={viewportRef}
      className={`viewport${panning ? ' panning' : ''}${compare ? ' comparing' : ''}${picking ? ' picking' : ''}`}
      data-testid="viewport"
      role="application"
      aria-label="Image canvas: paint over what to remove"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onPointerLeave={() => setCursor(null)}
    >
      {!step && <DropHint />}
      {step && (
        <div className="stage" style={{ width: step.width, height: step.height, transform }}>
          <img
            src={shown?.url ?? undefined}
            alt="Current result"
            draggable={false}
            className="layer"
            data-testid="result-image"
            data-pending={shown?.patches.length ? 'true' : undefined}
          />
          {shown?.patches.map((p, i) => <PatchLayer key={`${i}:${p.x},${p.y}`} patch={p} />)}
          <canvas ref={maskRef} width={step.width} height={step.height} className="layer mask" data-testid="mask-canvas" />
          {compare && original && (
            <img
              src={original.url ?? undefined}
              alt="Original"
              draggable={false}
              className="layer before"
              style={{ clipPath: `inset(0 ${100 - split}% 0 0)` }}
            />
          )}
        </div>
      )}
      {compare && step && (
        <div className="compare-bar">
          <span>Before</span>
          <input
            type="range"
            min={0}
            max={100}
            value={split}
            aria-label="Before/after split"
            onChange={(e) => setSplit(Number(e.target.value))}
            onPointerDown={(e) => e.stopPropagation()}
          />
          <span>After</span>
        </div>
      )}
      {showBrush && (
        <div
          className={`brush-cursor ${tool}`}
          aria-hidden
          style={{ width: brushSize, height: brushSize, left: cursor.x - brushSize / 2, top: cursor.y - brushSize / 2 }}
        />
      )}
    </div>
  );
}
