// mend lite editor — plain ES2020 module, no dependencies, no build step.
// Talks to the IOPaint 1.6.0-compatible HTTP API under /api/v1 on the same origin.
//
// Sections: util · api · toasts · state · view (zoom/pan) · mask · undo stack ·
//           inpaint · mask tools · settings/model · confirm dialog · session snapshots ·
//           history panel · image loading · input wiring · boot

'use strict';

// ───────────────────────────── util ─────────────────────────────

const $ = (id) => document.getElementById(id);
const API = '/api/v1';
const MASK_RGBA = 0xff00ccff; // little-endian Uint32 of (255, 204, 0, 255)
const MASK_ALPHA_MIN = 48;    // pixels fainter than this (anti-aliasing / eraser residue) are not mask
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const MIME_BY_EXT = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', jfif: 'image/jpeg', webp: 'image/webp',
  bmp: 'image/bmp', gif: 'image/gif', tif: 'image/tiff', tiff: 'image/tiff', avif: 'image/avif',
};
const EXT_BY_MIME = {
  'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/bmp': 'bmp',
  'image/gif': 'gif', 'image/tiff': 'tiff', 'image/avif': 'avif',
};

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const splitName = (name) => {
  const i = name.lastIndexOf('.');
  return i > 0 ? [name.slice(0, i), name.slice(i + 1)] : [name, ''];
};
const mimeFromName = (name) => MIME_BY_EXT[splitName(name)[1].toLowerCase()] || '';
const fmtSecs = (ms) => (ms < 10000 ? (ms / 1000).toFixed(2) : (ms / 1000).toFixed(1)) + ' s';
const fmtBytes = (n) => (n < 1e3 ? `${n} B` : n < 1e6 ? `${(n / 1e3).toFixed(0)} KB`
  : `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`);
const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(12)),
  (b) => b.toString(16).padStart(2, '0')).join('');

const store = {
  get(key, fallback) {
    try {
      const v = localStorage.getItem('mend.' + key);
      return v === null ? fallback : JSON.parse(v);
    } catch { return fallback; }
  },
  set(key, value) {
    try { localStorage.setItem('mend.' + key, JSON.stringify(value)); } catch { /* private mode */ }
  },
};

function blobToDataURL(blob) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error || new Error('Could not read the image data'));
    r.readAsDataURL(blob);
  });
}

function canvasToBlob(canvas, type = 'image/png') {
  if (canvas.convertToBlob) return canvas.convertToBlob({ type });
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('Canvas encoding failed'))), type));
}

function makeCanvas(w, h) {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(w, h);
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  return c;
}

async function decodeImage(blob) {
  const url = URL.createObjectURL(blob);
  const img = new Image();
  img.decoding = 'async';
  img.draggable = false;
  img.alt = '';
  img.src = url;
  try {
    await img.decode();
  } catch {
    URL.revokeObjectURL(url);
    throw new Error('This browser cannot display this image format.');
  }
  return { img, url, w: img.naturalWidth, h: img.naturalHeight };
}

// ───────────────────────────── api ─────────────────────────────

class ApiError extends Error {
  constructor(title, detail = '') {
    super(title);
    this.detail = detail;
  }
}

/** Turn a non-OK response (or an OK one carrying a JSON error) into a readable ApiError. */
async function apiError(res, what) {
  let title = `${what} failed (HTTP ${res.status})`;
  let detail = '';
  let text = '';
  try { text = await res.text(); } catch { /* ignore */ }
  try {
    const j = JSON.parse(text);
    if (typeof j.errors === 'string' && j.errors) detail = j.errors;
    else if (typeof j.detail === 'string' && j.detail) detail = j.detail;
    else if (Array.isArray(j.detail)) {
      detail = j.detail
        .map((e) => `${(e.loc || []).filter((x) => x !== 'body').join('.') || 'request'}: ${e.msg}`)
        .join('\n');
    } else if (Array.isArray(j.errors)) detail = j.errors.map(String).join('\n');
    if (j.error && j.error !== 'HTTPException' && !detail.includes(j.error)) {
      detail = detail ? `${j.error}: ${detail}` : j.error;
    }
  } catch {
    detail = text.trim().slice(0, 400);
  }
  if (res.status === 413) title = `${what} failed: the request is too large for the server`;
  if (res.status === 503) title = `${what} failed: the server is busy`;
  const retry = res.headers.get('Retry-After');
  if (retry) {
    const secs = /^\d+$/.test(retry.trim()) ? `${retry.trim()} s` : retry;
    detail = (detail ? detail + '\n' : '') + `Try again in ${secs}.`;
  }
  return new ApiError(title, detail);
}

async function api(path, { method = 'GET', json, signal, what = 'Request', headers = {} } = {}) {
  let res;
  try {
    res = await fetch(API + path, {
      method,
      signal,
      headers: json === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    setServer('err');
    throw new ApiError(`${what} failed: cannot reach the server`, String(e.message || e));
  }
  setServer('ok');
  if (!res.ok) throw await apiError(res, what);
  return res;
}

/** Fetch an image; resolves to { blob, res } so callers can read response headers. */
async function apiImageRes(path, opts = {}) {
  const res = await api(path, opts);
  const type = (res.headers.get('Content-Type') || '').toLowerCase();
  if (!type.startsWith('image/')) throw await apiError(res, opts.what || 'Request'); // e.g. 200 + JSON error
  return { blob: await res.blob(), res };
}

async function apiImage(path, opts) {
  return (await apiImageRes(path, opts)).blob;
}

// ───────────────────────────── toasts ─────────────────────────────

function toast(kind, title, detail = '', timeout) {
  const box = $('toasts');
  while (box.children.length >= 4) box.firstElementChild.remove();
  const el = document.createElement('div');
  el.className = `toast ${kind}`;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  const msg = document.createElement('div');
  msg.className = 'msg';
  const b = document.createElement('b');
  b.textContent = title;
  msg.append(b);
  if (detail) {
    const s = document.createElement('small');
    s.textContent = detail;
    msg.append(s);
  }
  const close = document.createElement('button');
  close.className = 'btn';
  close.setAttribute('aria-label', 'Dismiss');
  close.innerHTML = '<svg><use href="#i-close"/></svg>';
  el.append(msg, close);
  box.append(el);
  let timer;
  const remove = () => {
    clearTimeout(timer);
    el.classList.add('out');
    setTimeout(() => el.remove(), 200);
  };
  close.addEventListener('click', remove);
  const ms = timeout ?? (kind === 'error' ? 9000 : 3500);
  const arm = () => { timer = setTimeout(remove, ms); };
  el.addEventListener('mouseenter', () => clearTimeout(timer));
  el.addEventListener('mouseleave', arm);
  arm();
}

function showError(e, fallbackTitle = 'Something went wrong') {
  if (e && e.name === 'AbortError') return;
  console.error(e);
  if (e instanceof ApiError) toast('error', e.message, e.detail);
  else toast('error', fallbackTitle, String((e && e.message) || e));
}

// ───────────────────────────── state ─────────────────────────────

const el = {
  app: $('app'), viewport: $('viewport'), stage: $('stage'), mask: $('mask-canvas'),
  cursor: $('brush-cursor'), empty: $('empty'), busy: $('busy'), busyText: $('busy-text'),
  busyTime: $('busy-time'), progress: $('progress'), drop: $('drop'), badge: $('compare-badge'),
  fileInput: $('file-input'), brushSize: $('brush-size'), brushSizeOut: $('brush-size-out'),
  toolBrush: $('tool-brush'), toolEraser: $('tool-eraser'),
  undo: $('btn-undo'), redo: $('btn-redo'), clear: $('btn-clear'), run: $('btn-run'),
  compare: $('btn-compare'), download: $('btn-download'), zoomLabel: $('zoom-out'),
  model: $('model-select'), modelNote: $('model-note'), autoRun: $('auto-run'),
  cv2Card: $('cv2-card'), cv2Radius: $('cv2-radius'), cv2RadiusOut: $('cv2-radius-out'),
  hd: $('hd-strategy'), kernel: $('kernel-size'), kernelOut: $('kernel-out'),
  expand: $('btn-expand'), shrink: $('btn-shrink'), invert: $('btn-invert'),
  stFile: $('st-file'), stSize: $('st-size'), stHistory: $('st-history'), stModel: $('st-model'),
  stTime: $('st-time'), stServer: $('st-server'),
};
const maskCtx = el.mask.getContext('2d');

const state = {
  file: null,        // { name, mime } of the opened file
  history: [],       // undo stack: [{ blob, url, img, w, h, hid }]; history[0] is the original.
                     // hid = server history id of the erase that produced the step (null for [0])
  index: -1,
  originalHid: null, // a history entry whose `input` is history[0] (for session snapshots)
  jobId: null,       // X-Job-Id of the running erase, once known
  maskOps: [],       // replayable mask edits since the last render
  maskRedo: [],
  tool: 'brush',
  brushSize: clamp(Number(store.get('brushSize', 40)) || 40, 4, 200),
  view: { s: 1, x: 0, y: 0 },
  autoFit: true,
  busy: false,
  abort: null,
  comparing: false,
  space: false,
  pointerInView: false,
  models: [],
  modelName: null,
  switchingModel: false,
  modelSwitchDisabled: false,
};

const cur = () => state.history[state.index];
const hasImage = () => state.index >= 0;

function setServer(s) {
  el.stServer.className = 'dot st-' + s;
  el.stServer.textContent = s === 'err' ? 'offline' : s === 'busy' ? 'working' : 'connected';
}

// ───────────────────────────── view (zoom / pan) ─────────────────────────────

function applyView() {
  const { s, x, y } = state.view;
  el.stage.style.transform = `translate(${x}px, ${y}px) scale(${s})`;
  el.stage.classList.toggle('pixelated', s >= 4);
  el.zoomLabel.textContent = Math.round(s * 100) + '%';
  updateCursorSize();
}

function fit() {
  if (!hasImage()) return;
  const { w, h } = cur();
  const r = el.viewport.getBoundingClientRect();
  const pad = r.width < 600 ? 12 : 32;
  const s = clamp(Math.min((r.width - 2 * pad) / w, (r.height - 2 * pad) / h), 0.01, 8);
  state.view = { s, x: (r.width - w * s) / 2, y: (r.height - h * s) / 2 };
  state.autoFit = true;
  applyView();
}

function zoomAt(factor, cx, cy) {
  if (!hasImage()) return;
  const v = state.view;
  const s = clamp(v.s * factor, 0.01, 32);
  state.view = { s, x: cx - ((cx - v.x) * s) / v.s, y: cy - ((cy - v.y) * s) / v.s };
  state.autoFit = false;
  applyView();
}

function zoomCenter(factor) {
  const r = el.viewport.getBoundingClientRect();
  zoomAt(factor, r.width / 2, r.height / 2);
}

function zoomTo(s) {
  zoomCenter(s / state.view.s);
}

// ───────────────────────────── brush cursor ─────────────────────────────

let cursorPos = { x: -1000, y: -1000 };

function updateCursorSize() {
  const d = state.brushSize;
  el.cursor.style.width = d + 'px';
  el.cursor.style.height = d + 'px';
  moveCursor(cursorPos.x, cursorPos.y);
}

function moveCursor(x, y) {
  cursorPos = { x, y };
  const d = state.brushSize;
  el.cursor.style.transform = `translate(${x - d / 2}px, ${y - d / 2}px)`;
}

function refreshCursorVisibility() {
  const show = hasImage() && state.pointerInView && !state.space && !pan && !state.comparing;
  el.cursor.hidden = !show;
  el.cursor.classList.toggle('eraser', state.tool === 'eraser');
  el.viewport.classList.toggle('space', state.space);
}

function setBrushSize(v) {
  state.brushSize = clamp(Math.round(v), 4, 200);
  el.brushSize.value = state.brushSize;
  el.brushSizeOut.textContent = state.brushSize;
  store.set('brushSize', state.brushSize);
  updateCursorSize();
}

function setTool(t) {
  state.tool = t;
  el.toolBrush.setAttribute('aria-checked', String(t === 'brush'));
  el.toolEraser.setAttribute('aria-checked', String(t === 'eraser'));
  refreshCursorVisibility();
}

// ───────────────────────────── mask ─────────────────────────────
// The mask lives in one canvas at full image resolution (#mask-canvas, shown at 73 % opacity so the
// opaque yellow strokes look like IOPaint's #ffcc00bb). Every edit is kept as a replayable op
// so strokes can be undone without storing bitmaps:
//   { type: 'stroke', erase, width, points: [x0, y0, x1, y1, …] }   (image pixels)
//   { type: 'bitmap', canvas, nonEmpty }                               (server-adjusted mask)
//   { type: 'clear' }

function resizeMask(w, h) {
  if (el.mask.width !== w || el.mask.height !== h) {
    el.mask.width = w;
    el.mask.height = h;
  } else {
    maskCtx.clearRect(0, 0, w, h);
  }
  el.stage.style.width = w + 'px';
  el.stage.style.height = h + 'px';
}

function strokeStyle(ctx, op) {
  ctx.globalCompositeOperation = op.erase ? 'destination-out' : 'source-over';
  ctx.strokeStyle = '#ffcc00';
  ctx.fillStyle = '#ffcc00';
  ctx.lineWidth = op.width;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
}

function drawSegment(ctx, op, from, pts) {
  strokeStyle(ctx, op);
  const p = op.points;
  if (from === 0 && pts === p.length) {
    if (p.length === 2) { // a single click: draw a dot
      ctx.beginPath();
      ctx.arc(p[0], p[1], op.width / 2, 0, Math.PI * 2);
      ctx.fill();
      ctx.globalCompositeOperation = 'source-over';
      return;
    }
  }
  ctx.beginPath();
  const start = Math.max(0, from - 2);
  ctx.moveTo(p[start], p[start + 1]);
  for (let i = start + 2; i < pts; i += 2) ctx.lineTo(p[i], p[i + 1]);
  if (pts - start === 2) ctx.lineTo(p[start] + 0.01, p[start + 1]);
  ctx.stroke();
  ctx.globalCompositeOperation = 'source-over';
}

function applyOp(ctx, op) {
  const { width: w, height: h } = ctx.canvas;
  if (op.type === 'clear') ctx.clearRect(0, 0, w, h);
  else if (op.type === 'bitmap') {
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(op.canvas, 0, 0, w, h);
  } else drawSegment(ctx, op, 0, op.points.length);
}

function replayMask() {
  maskCtx.clearRect(0, 0, el.mask.width, el.mask.height);
  for (const op of state.maskOps) applyOp(maskCtx, op);
}

function maskHasContent() {
  let has = false;
  for (const op of state.maskOps) {
    if (op.type === 'clear') has = false;
    else if (op.type === 'bitmap') has = op.nonEmpty;
    else if (!op.erase) has = true;
  }
  return has;
}

function pushMaskOp(op) {
  state.maskOps.push(op);
  state.maskRedo = [];
  updateUI();
}

function clearMask() {
  if (!maskHasContent() || state.busy) return;
  pushMaskOp({ type: 'clear' });
  maskCtx.clearRect(0, 0, el.mask.width, el.mask.height);
}

/**
 * Binarise the on-screen mask into opaque yellow on transparent (what the server thresholds:
 * luminance of the colour > 127, alpha ignored) and return it as a PNG data URL.
 * Returns null when nothing is masked (unless allowEmpty).
 */
async function exportMask(allowEmpty = false) {
  const w = el.mask.width;
  const h = el.mask.height;
  const data = maskCtx.getImageData(0, 0, w, h);
  const px = new Uint32Array(data.data.buffer);
  const on = LITTLE_ENDIAN ? MASK_RGBA : 0xffcc00ff;
  let count = 0;
  for (let i = 0; i < px.length; i++) {
    const a = LITTLE_ENDIAN ? px[i] >>> 24 : px[i] & 0xff;
    if (a >= MASK_ALPHA_MIN) { px[i] = on; count++; } else px[i] = 0;
  }
  if (!count && !allowEmpty) return null;
  const c = makeCanvas(w, h);
  c.getContext('2d').putImageData(data, 0, 0);
  return blobToDataURL(await canvasToBlob(c, 'image/png'));
}

/** Turn a server mask overlay (RGBA, mask pixels (255,203,0,186)) into an opaque-yellow op canvas. */
async function overlayToMaskOp(blob) {
  const w = el.mask.width;
  const h = el.mask.height;
  const bmp = await createImageBitmap(blob);
  const c = makeCanvas(w, h);
  const ctx = c.getContext('2d');
  ctx.drawImage(bmp, 0, 0, w, h);
  bmp.close && bmp.close();
  const data = ctx.getImageData(0, 0, w, h);
  const px = new Uint32Array(data.data.buffer);
  const on = LITTLE_ENDIAN ? MASK_RGBA : 0xffcc00ff;
  let nonEmpty = false;
  for (let i = 0; i < px.length; i++) {
    const a = LITTLE_ENDIAN ? px[i] >>> 24 : px[i] & 0xff;
    if (a > 0) { px[i] = on; nonEmpty = true; } else px[i] = 0;
  }
  ctx.putImageData(data, 0, 0);
  return { type: 'bitmap', canvas: c, nonEmpty };
}

// ───────────────────────────── undo stack / display ─────────────────────────────

function showImage(entry) {
  entry.img.className = 'layer';
  if (el.stage.firstElementChild !== entry.img) {
    el.stage.replaceChildren(entry.img, el.mask);
  }
}

function goTo(index) {
  const prev = cur();
  state.index = index;
  const e = cur();
  if (!prev || prev.w !== e.w || prev.h !== e.h) {
    resizeMask(e.w, e.h);
    fit();
  }
  showImage(e);
  updateUI();
  markCurrentHistory();
  scheduleSnapshot();
}

function pushResult(entry) {
  for (const old of state.history.splice(state.index + 1)) URL.revokeObjectURL(old.url);
  if (state.index === 0 && entry.hid) state.originalHid = entry.hid; // its input is the original
  state.history.push(entry);
  state.maskOps = [];
  state.maskRedo = [];
  goTo(state.history.length - 1);
  replayMask();
}

function canUndo() {
  return !state.busy && (state.maskOps.length > 0 || state.index > 0);
}
function canRedo() {
  return !state.busy && (state.maskRedo.length > 0 ||
    (state.maskOps.length === 0 && state.index < state.history.length - 1));
}

function undo() {
  if (!canUndo()) return;
  if (state.maskOps.length) {
    state.maskRedo.push(state.maskOps.pop());
    replayMask();
    updateUI();
  } else {
    goTo(state.index - 1);
  }
}

function redo() {
  if (!canRedo()) return;
  if (state.maskRedo.length) {
    state.maskOps.push(state.maskRedo.pop());
    replayMask();
    updateUI();
  } else {
    goTo(state.index + 1);
  }
}

function setCompare(on) {
  on = on && hasImage() && state.index > 0;
  if (on === state.comparing) return;
  state.comparing = on;
  showImage(on ? state.history[0] : cur());
  el.stage.classList.toggle('comparing', on);
  el.badge.hidden = !on;
  el.compare.classList.toggle('active', on);
  refreshCursorVisibility();
}

function downloadName() {
  const e = cur();
  const [base, ext] = splitName(state.file.name);
  const type = (e.blob.type || state.file.mime).toLowerCase();
  const extMime = MIME_BY_EXT[ext.toLowerCase()];
  const outExt = ext && (!type.startsWith('image/') || extMime === type) ? ext : (EXT_BY_MIME[type] || ext || 'png');
  return `${base}-mend.${outExt}`;
}

function download() {
  if (!hasImage() || state.index === 0) return;
  const a = document.createElement('a');
  a.href = cur().url;
  a.download = downloadName();
  document.body.append(a);
  a.click();
  a.remove();
}

// ───────────────────────────── busy ─────────────────────────────

let busyTimer = 0;

function setBusy(text) {
  state.busy = !!text;
  el.busy.hidden = !text;
  el.progress.hidden = !text;
  el.viewport.classList.toggle('busy-state', !!text);
  clearInterval(busyTimer);
  if (text) {
    el.busyText.textContent = text;
    const t0 = performance.now();
    el.busyTime.textContent = '';
    busyTimer = setInterval(() => { el.busyTime.textContent = fmtSecs(performance.now() - t0); }, 100);
    setServer('busy');
  } else {
    state.abort = null;
    el.stage.classList.remove('running');
    if (el.stServer.classList.contains('st-busy')) setServer('ok');
  }
  updateUI();
}

function cancelBusy() {
  if (!state.abort) return;
  state.abort.abort();
  // The job id is only known once the response arrives; until then dropping the request is
  // enough (the server cancels a job whose client disconnected).
  const job = state.jobId;
  if (job) {
    fetch(`${API}/jobs/${encodeURIComponent(job)}/cancel`, { method: 'POST' }).catch(() => {});
  }
  toast('info', 'Cancelled', 'The request was dropped; the server stops the job.');
}

// ───────────────────────────── inpaint ─────────────────────────────

function cv2Flag() {
  return document.querySelector('input[name="cv2-flag"]:checked').value;
}

async function runInpaint() {
  if (!hasImage() || state.busy || state.switchingModel) return;
  if (!maskHasContent()) {
    toast('info', 'Nothing to erase', 'Paint over the area you want removed first.');
    return;
  }
  const ctrl = new AbortController();
  state.abort = ctrl;
  state.jobId = null;
  setBusy('Erasing…');
  el.stage.classList.add('running');
  const t0 = performance.now();
  try {
    const mask = await exportMask();
    if (!mask) {
      toast('info', 'Nothing to erase', 'The mask is empty.');
      return;
    }
    const source = cur();
    const image = await blobToDataURL(new Blob([source.blob], { type: state.file.mime }));
    const body = {
      image,
      mask,
      cv2_flag: cv2Flag(),
      cv2_radius: Number(el.cv2Radius.value),
      hd_strategy: el.hd.value,
      hd_strategy_crop_margin: 128,
      sd_seed: 42,
    };
    const { blob, res } = await apiImageRes('/inpaint', { method: 'POST', json: body, signal: ctrl.signal, what: 'Erase' });
    state.jobId = res.headers.get('X-Job-Id');
    const hid = res.headers.get('X-History-Id') || null;
    if (hid) historyAdded(hid); // recorded on the server even if we drop the result below
    const decoded = await decodeImage(blob);
    if (ctrl.signal.aborted) return;
    const ms = performance.now() - t0;
    pushResult({ blob, ...decoded, hid });
    el.stTime.textContent = `Last erase ${fmtSecs(ms)}`;
  } catch (e) {
    showError(e, 'Erase failed');
  } finally {
    state.jobId = null;
    if (state.abort === ctrl || !state.abort) setBusy(null);
  }
}

// ───────────────────────────── mask tools (adjust_mask) ─────────────────────────────

async function adjustMask(operate) {
  if (!hasImage() || state.busy) return;
  if (operate !== 'reverse' && !maskHasContent()) {
    toast('info', 'The mask is empty', 'Paint something first, then expand or shrink it.');
    return;
  }
  const ctrl = new AbortController();
  state.abort = ctrl;
  const label = { expand: 'Expanding', shrink: 'Shrinking', reverse: 'Inverting' }[operate];
  setBusy(`${label} mask…`);
  try {
    const mask = await exportMask(true);
    const blob = await apiImage('/adjust_mask', {
      method: 'POST',
      json: { mask, operate, kernel_size: Number(el.kernel.value) },
      signal: ctrl.signal,
      what: 'Mask adjustment',
    });
    const op = await overlayToMaskOp(blob);
    if (ctrl.signal.aborted) return;
    pushMaskOp(op);
    replayMask();
  } catch (e) {
    showError(e, 'Mask adjustment failed');
  } finally {
    if (state.abort === ctrl || !state.abort) setBusy(null);
  }
}

// ───────────────────────────── settings / model ─────────────────────────────

function modelInfo(name) {
  return state.models.find((m) => m.name === name);
}

function renderModels() {
  const names = state.models.map((m) => m.name);
  if (state.modelName && !names.includes(state.modelName)) names.unshift(state.modelName);
  el.model.replaceChildren(...names.map((n) => {
    const o = document.createElement('option');
    o.value = n;
    o.textContent = n;
    return o;
  }));
  if (!names.length) {
    const o = document.createElement('option');
    o.textContent = 'unavailable';
    el.model.append(o);
  }
  if (state.modelName) el.model.value = state.modelName;
  el.model.title = state.modelName || '';
  const info = modelInfo(state.modelName);
  el.modelNote.className = 'note';
  el.modelNote.textContent = info && info.need_prompt
    ? 'This model expects a prompt; the lite editor sends none (results may vary).'
    : '';
  el.cv2Card.hidden = !!state.modelName && state.modelName !== 'cv2';
  el.stModel.textContent = state.modelName ? `Model: ${state.modelName}` : '';
}

async function loadServerInfo() {
  const [cfg, model] = await Promise.allSettled([
    api('/server-config', { what: 'Loading server settings' }).then((r) => r.json()),
    api('/model', { what: 'Loading current model' }).then((r) => r.json()),
  ]);
  if (cfg.status === 'fulfilled') {
    state.models = Array.isArray(cfg.value.modelInfos) ? cfg.value.modelInfos : [];
    state.modelSwitchDisabled = !!cfg.value.disableModelSwitch;
  }
  if (model.status === 'fulfilled' && model.value && model.value.name) state.modelName = model.value.name;
  renderModels();
  updateUI();
  const failed = [cfg, model].find((p) => p.status === 'rejected');
  if (failed) {
    el.modelNote.className = 'note err';
    el.modelNote.textContent = 'Could not load the model list.';
    showError(failed.reason);
  }
}

async function switchModel(name) {
  if (!name || name === state.modelName) return;
  state.switchingModel = true;
  el.modelNote.className = 'note';
  el.modelNote.textContent = `Loading ${name}…`;
  el.progress.hidden = false;
  updateUI();
  try {
    const res = await api('/model', { method: 'POST', json: { name }, what: `Switching to ${name}` });
    const info = await res.json();
    state.modelName = (info && info.name) || name;
    toast('ok', `Model: ${state.modelName}`);
  } catch (e) {
    showError(e, 'Model switch failed');
  } finally {
    state.switchingModel = false;
    if (!state.busy) el.progress.hidden = true;
    renderModels();
    updateUI();
  }
}

function initSettings() {
  el.autoRun.checked = store.get('autoRun', true);
  const flag = store.get('cv2Flag', 'INPAINT_NS');
  const radio = document.querySelector(`input[name="cv2-flag"][value="${flag}"]`);
  if (radio) radio.checked = true;
  el.cv2Radius.value = clamp(Number(store.get('cv2Radius', 4)) || 4, 1, 20);
  el.cv2RadiusOut.textContent = el.cv2Radius.value;
  const hd = store.get('hdStrategy', 'Crop');
  el.hd.value = ['Crop', 'Resize', 'Original'].includes(hd) ? hd : 'Crop';
  el.kernel.value = clamp(Number(store.get('kernel', 12)) || 12, 1, 100);
  el.kernelOut.textContent = el.kernel.value;
  setBrushSize(state.brushSize);
  const panelHidden = store.get('panelHidden', window.innerWidth < 760);
  setPanel(!panelHidden);

  el.autoRun.addEventListener('change', () => store.set('autoRun', el.autoRun.checked));
  document.querySelectorAll('input[name="cv2-flag"]').forEach((r) =>
    r.addEventListener('change', () => store.set('cv2Flag', cv2Flag())));
  el.cv2Radius.addEventListener('input', () => {
    el.cv2RadiusOut.textContent = el.cv2Radius.value;
    store.set('cv2Radius', Number(el.cv2Radius.value));
  });
  el.hd.addEventListener('change', () => store.set('hdStrategy', el.hd.value));
  el.kernel.addEventListener('input', () => {
    el.kernelOut.textContent = el.kernel.value;
    store.set('kernel', Number(el.kernel.value));
  });
  el.model.addEventListener('change', () => switchModel(el.model.value));
}

function setPanel(open) {
  el.app.classList.toggle('panel-hidden', !open);
  syncPanelButtons();
}

// ───────────────────────────── confirm dialog ─────────────────────────────

/** Ask before something destructive. Resolves true when confirmed. */
function confirmDialog(title, text, okLabel = 'Delete') {
  const dlg = $('confirm-dialog');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  if (typeof dlg.showModal !== 'function') return Promise.resolve(window.confirm(`${title}\n\n${text}`));
  return new Promise((resolve) => {
    dlg.returnValue = '';
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
    dlg.showModal();
  });
}

const modalOpen = () => !!document.querySelector('dialog[open]');

// ───────────────────────────── session snapshots ─────────────────────────────
// Each tab has a session id (sessionStorage). After every change of the undo stack the page
// stores references (history ids, never image data) under /sessions/{id}/snapshot, so a
// reload rebuilds the stack: step n is the `output` of its history entry; the original is the
// `input` of `original_history_id` (an erase made from the original).

const SESSION_RE = /^[A-Za-z0-9_-]{1,128}$/;

const session = {
  id: '',
  sent: undefined,   // JSON of the last stored snapshot ('' = deleted)
  timer: 0,
  chain: Promise.resolve(),
  restored: null,    // promise of the boot-time restore (for tests)
};

function initSessionId() {
  let id = '';
  try { id = sessionStorage.getItem('mend.session') || ''; } catch { /* storage blocked */ }
  if (!SESSION_RE.test(id)) {
    id = randomId();
    try { sessionStorage.setItem('mend.session', id); } catch { /* falls back to a per-load id */ }
  }
  session.id = id;
  // A duplicated tab copies sessionStorage: ask whether another open tab already uses this id,
  // and if so, fork to a new one (after restoring from the shared snapshot).
  if (typeof BroadcastChannel === 'function') {
    const ch = new BroadcastChannel('mend.sessions');
    const nonce = randomId();
    ch.onmessage = (e) => {
      const m = e.data || {};
      if (m.q === 'who' && m.id === session.id) ch.postMessage({ a: 'mine', id: m.id, nonce: m.nonce });
      else if (m.a === 'mine' && m.nonce === nonce && m.id === session.id) {
        session.id = randomId();
        try { sessionStorage.setItem('mend.session', session.id); } catch { /* ignore */ }
        session.sent = undefined;
        if (hasImage()) scheduleSnapshot();
      }
    };
    ch.postMessage({ q: 'who', id, nonce });
  }
}

const snapshotUrl = () => `${API}/sessions/${session.id}/snapshot`;

/** The snapshot of the current stack, or null when nothing of it could be restored. */
function snapshotValue() {
  if (!hasImage()) return null;
  const stack = state.history.map((e, i) => (i === 0 ? 'original' : e.hid || null));
  if (!state.originalHid && !stack.some((x) => x && x !== 'original')) return null;
  return {
    file_name: state.file.name,
    mime: state.file.mime,
    stack,
    index: state.index,
    original_history_id: state.originalHid,
  };
}

function scheduleSnapshot() {
  clearTimeout(session.timer);
  session.timer = setTimeout(flushSnapshot, 250);
}

/** Store (or delete) the snapshot now; requests are sent one after another, in order. */
function flushSnapshot(keepalive = false) {
  clearTimeout(session.timer);
  session.timer = 0;
  const snap = snapshotValue();
  const body = snap ? JSON.stringify(snap) : '';
  if (body === session.sent) return session.chain;
  session.sent = body;
  const url = snapshotUrl();
  const init = body
    ? { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body, keepalive }
    : { method: 'DELETE', keepalive };
  session.chain = session.chain
    .then(() => fetch(url, init))
    .then((res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    })
    .catch((e) => {
      if (session.sent === body) session.sent = undefined; // retry on the next change
      console.warn('Could not store the session snapshot:', e);
    });
  return session.chain;
}

async function fetchHistoryImage(id, kind, signal) {
  if (typeof id !== 'string' || !SESSION_RE.test(id)) return null;
  try {
    // History files are served as immutable, so the browser cache may still hold an entry the
    // server has deleted; the (uncached) JSON route says whether it still exists.
    const meta = await fetch(`${API}/history/${encodeURIComponent(id)}`, { signal, cache: 'no-store' });
    if (!meta.ok) return null;
    const blob = await apiImage(`/history/${encodeURIComponent(id)}/${kind}`, { signal, what: 'Loading' });
    return { blob, ...(await decodeImage(blob)) };
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    return null; // deleted or evicted by retention
  }
}

/** Rebuild the undo stack from this tab's snapshot. Resolves true when something was restored. */
async function restoreSession() {
  let snap;
  try {
    const res = await fetch(snapshotUrl(), { cache: 'no-store' });
    if (res.status === 404) return false;
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    snap = await res.json();
  } catch (e) {
    console.warn('Could not read the session snapshot:', e);
    return false;
  }
  if (!snap || !Array.isArray(snap.stack) || !snap.stack.length || hasImage()) return false;
  const ctrl = new AbortController();
  state.abort = ctrl;
  setBusy('Restoring your session…');
  try {
    const ids = snap.stack.slice(1);
    const savedIndex = clamp(Number(snap.index) || 0, 0, snap.stack.length - 1);
    const steps = await Promise.all(ids.map((id) => fetchHistoryImage(id, 'output', ctrl.signal)));
    // The original: the input of an erase made from it.
    let original = null;
    let originalHid = null;
    for (const id of [snap.original_history_id, ids[0]]) {
      if (original || !id) continue;
      original = await fetchHistoryImage(id, 'input', ctrl.signal);
      if (original) originalHid = id;
    }
    // Gone: start from the image before the earliest surviving step instead.
    let lostOriginal = false;
    const firstKept = ids.find((id, i) => steps[i]);
    if (!original && firstKept) {
      lostOriginal = true;
      original = await fetchHistoryImage(firstKept, 'input', ctrl.signal);
      if (original) originalHid = firstKept;
    }
    const entries = [];
    let target = null; // the entry at (or nearest below) the saved index
    if (original) entries.push(target = { ...original, hid: null });
    steps.forEach((s, i) => {
      if (!s) return;
      entries.push({ ...s, hid: ids[i] });
      if (i + 1 <= savedIndex || !target) target = entries[entries.length - 1];
    });
    if (!original) {
      if (!entries.length) {
        toast('info', 'Could not restore your session',
          'Its images are no longer in the history (deleted or removed by the history limits).', 7000);
        return false;
      }
      entries[0].hid = null; // last resort: the earliest surviving step becomes the base image
    }
    const size = entries[0];
    const usable = entries.filter((e) => e.w === size.w && e.h === size.h);
    for (const e of entries) if (!usable.includes(e)) URL.revokeObjectURL(e.url);
    if (ctrl.signal.aborted) return false;
    const mime = typeof snap.mime === 'string' && snap.mime.startsWith('image/') ? snap.mime : usable[0].blob.type;
    const name = typeof snap.file_name === 'string' && snap.file_name ? snap.file_name : 'image';
    setStack({ name, mime }, usable, Math.max(0, usable.indexOf(target)), originalHid);
    const missing = Math.max(0, snap.stack.length - usable.length);
    const edits = usable.length - 1;
    let detail = `${name} · ${edits} edit${edits === 1 ? '' : 's'}`;
    if (missing) {
      detail += `\n${missing} step${missing === 1 ? ' is' : 's are'} no longer in the history` +
        (lostOriginal ? ' (including the original, so it starts from an intermediate image)' : '') + '.';
    }
    toast('ok', 'Restored your session', detail);
    return true;
  } catch (e) {
    showError(e, 'Could not restore your session');
    return false;
  } finally {
    if (state.abort === ctrl || !state.abort) setBusy(null);
  }
}

// ───────────────────────────── history panel ─────────────────────────────

const PAGE = 30;
const hp = {
  items: new Map(),  // id → summary
  total: null,
  next: null,
  loaded: false,
  loading: null,     // promise while a page loads
  details: new Map(), // id → detail JSON
  generation: 0,     // bumps on reload so stale pages are dropped
};
const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function fmtWhen(ms) {
  const d = new Date(ms);
  const day = (x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diff = Math.round((day(new Date()) - day(d)) / 864e5);
  const date = diff === 0 ? 'Today' : diff === 1 ? 'Yesterday' : dayFmt.format(d);
  return `${date} ${timeFmt.format(d)}`;
}

function historyRenderMeta() {
  const n = hp.total;
  $('history-count').textContent = n ? String(n) : '';
  const shown = hp.items.size;
  $('history-summary').textContent = n === null ? '' : n === 0 ? 'Empty'
    : shown < n ? `${shown} of ${n} entries` : `${n} ${n === 1 ? 'entry' : 'entries'}`;
  $('history-empty').hidden = !(hp.loaded && n === 0 && !shown);
  $('btn-history-clear').disabled = !n;
  $('btn-history-more').hidden = !hp.next;
}

function historyItemEl(it) {
  const li = document.createElement('li');
  li.className = 'h-item';
  li.dataset.id = it.id;
  const when = fmtWhen(it.created_at);

  const row = document.createElement('button');
  row.className = 'h-row';
  row.setAttribute('aria-expanded', 'false');
  row.setAttribute('aria-controls', `hd-${it.id}`);
  row.title = 'Show details';
  const img = document.createElement('img');
  img.className = 'h-thumb';
  img.loading = 'lazy';
  img.decoding = 'async';
  img.alt = '';
  img.width = 56;
  img.height = 56;
  img.src = it.thumbnail_url || `${API}/history/${encodeURIComponent(it.id)}/thumbnail`;
  img.addEventListener('error', () => { img.style.visibility = 'hidden'; }, { once: true });
  const meta = document.createElement('span');
  meta.className = 'h-meta';
  const b = document.createElement('b');
  b.textContent = when;
  b.title = new Date(it.created_at).toLocaleString();
  const s1 = document.createElement('small');
  s1.textContent = `${it.width} × ${it.height} · ${fmtBytes(it.bytes || 0)}`;
  const s2 = document.createElement('small');
  s2.textContent = it.model;
  const tag = document.createElement('span');
  tag.className = 'h-tag';
  tag.textContent = 'on canvas';
  tag.hidden = true;
  s2.append(tag);
  meta.append(b, s1, s2);
  row.append(img, meta);

  const del = document.createElement('button');
  del.className = 'btn small icon h-del';
  del.title = 'Delete';
  del.setAttribute('aria-label', `Delete entry from ${when}`);
  del.innerHTML = '<svg><use href="#i-clear"/></svg>';

  const detail = document.createElement('div');
  detail.className = 'h-detail';
  detail.id = `hd-${it.id}`;
  detail.hidden = true;

  row.addEventListener('click', () => toggleHistoryDetail(li, it));
  del.addEventListener('click', () => deleteHistoryEntry(it.id, when));
  li.append(row, del, detail);
  return li;
}

function kvList(title, pairs) {
  const frag = document.createDocumentFragment();
  if (!pairs.length) return frag;
  const h = document.createElement('p');
  h.className = 'kv-title';
  h.textContent = title;
  const dl = document.createElement('dl');
  dl.className = 'kv';
  for (const [k, v] of pairs) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
  frag.append(h, dl);
  return frag;
}

async function getHistoryDetail(id) {
  if (!hp.details.has(id)) {
    const res = await api(`/history/${encodeURIComponent(id)}`, { what: 'Loading the entry' });
    hp.details.set(id, await res.json());
  }
  return hp.details.get(id);
}

async function toggleHistoryDetail(li, it) {
  const row = li.querySelector('.h-row');
  const detail = li.querySelector('.h-detail');
  const open = row.getAttribute('aria-expanded') !== 'true';
  row.setAttribute('aria-expanded', String(open));
  row.title = open ? 'Hide details' : 'Show details';
  detail.hidden = !open;
  if (!open || detail.childElementCount) return;

  const actions = document.createElement('div');
  actions.className = 'h-actions';
  const openOut = document.createElement('button');
  openOut.className = 'btn primary';
  openOut.textContent = 'Open result';
  openOut.title = 'Open the result, with its input as the original (compare, undo)';
  const openIn = document.createElement('button');
  openIn.className = 'btn small';
  openIn.textContent = 'Open input';
  openIn.title = 'Open the image as it was before this erase';
  openOut.addEventListener('click', () => openHistoryEntry(it.id, 'output'));
  openIn.addEventListener('click', () => openHistoryEntry(it.id, 'input'));
  const info = document.createElement('div');
  info.textContent = 'Loading…';
  info.className = 'note';
  detail.append(info, actions);
  actions.append(openOut, openIn);
  try {
    const d = await getHistoryDetail(it.id);
    const t = d.timings || {};
    const timings = [['Total', t.total_ms], ['Model', t.model_ms], ['Decode', t.decode_ms], ['Encode', t.encode_ms]]
      .filter(([, v]) => typeof v === 'number').map(([k, v]) => [k, v < 1000 ? `${v} ms` : fmtSecs(v)]);
    const settings = Object.entries(d.settings || {})
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => [k.replace(/^hd_strategy_/, 'hd_').replace(/_/g, ' '), typeof v === 'object' ? JSON.stringify(v) : String(v)]);
    const box = document.createElement('div');
    box.append(kvList('Timings', timings), kvList('Settings', [['model', d.model], ...settings]));
    info.replaceWith(box);
  } catch (e) {
    info.className = 'note err';
    info.textContent = e instanceof ApiError ? `${e.message}${e.detail ? `: ${e.detail}` : ''}` : String(e.message || e);
  }
}

function markCurrentHistory() {
  const id = hasImage() ? cur().hid : null;
  for (const li of $('history-list').children) {
    const on = !!id && li.dataset.id === id;
    li.classList.toggle('current', on);
    li.querySelector('.h-tag').hidden = !on;
    if (on) li.setAttribute('aria-current', 'true');
    else li.removeAttribute('aria-current');
  }
}

/** Load the first page (reset) or the next one. */
function loadHistory(reset = false) {
  if (hp.loading && !reset) return hp.loading;
  if (reset) {
    hp.generation++;
    hp.next = null;
  } else if (hp.loaded && !hp.next) return Promise.resolve();
  const gen = hp.generation;
  const q = new URLSearchParams({ limit: String(PAGE) });
  if (!reset && hp.next) q.set('before', hp.next);
  $('history-error').hidden = true;
  $('btn-history-more').disabled = true;
  const p = (async () => {
    try {
      const res = await api(`/history?${q}`, { what: 'Loading the history' });
      const page = await res.json();
      if (gen !== hp.generation) return;
      const list = $('history-list');
      if (reset) {
        hp.items.clear();
        list.replaceChildren();
      }
      for (const it of page.items || []) {
        if (hp.items.has(it.id)) continue;
        hp.items.set(it.id, it);
        list.append(historyItemEl(it));
      }
      hp.total = Number(page.total) || 0;
      hp.next = page.next_before || null;
      hp.loaded = true;
      markCurrentHistory();
    } catch (e) {
      if (gen !== hp.generation) return;
      const err = $('history-error');
      err.hidden = false;
      err.textContent = e instanceof ApiError ? e.message : `Could not load the history: ${e.message || e}`;
    } finally {
      if (hp.loading === p) hp.loading = null;
      $('btn-history-more').disabled = false;
      historyRenderMeta();
    }
  })();
  hp.loading = p;
  return p;
}

/** A new erase was recorded: put it at the top of the list. */
async function historyAdded(id) {
  if (!hp.loaded) {
    if (hp.total !== null) { hp.total++; historyRenderMeta(); }
    return;
  }
  if (hp.items.has(id)) return;
  try {
    const d = await getHistoryDetail(id);
    if (hp.items.has(id)) return;
    const bytes = ['input', 'mask', 'output', 'thumbnail']
      .reduce((n, k) => n + ((d[k] && Number(d[k].bytes)) || 0), 0);
    const it = {
      id, created_at: d.created_at, model: d.model, width: d.width, height: d.height, bytes,
      thumbnail_url: (d.urls && d.urls.thumbnail) || `${API}/history/${encodeURIComponent(id)}/thumbnail`,
    };
    hp.items.set(id, it);
    $('history-list').prepend(historyItemEl(it));
    hp.total = (hp.total || 0) + 1;
    markCurrentHistory();
    historyRenderMeta();
  } catch (e) {
    console.warn('Could not add the new history entry:', e);
  }
}

async function openHistoryEntry(id, which) {
  if (state.busy) {
    toast('info', 'Please wait', 'An operation is still running.');
    return;
  }
  const ctrl = new AbortController();
  state.abort = ctrl;
  setBusy('Opening…');
  try {
    const input = await fetchHistoryImage(id, 'input', ctrl.signal);
    const output = which === 'output' ? await fetchHistoryImage(id, 'output', ctrl.signal) : null;
    if (ctrl.signal.aborted) return;
    if (!input || (which === 'output' && !output)) {
      toast('error', 'Cannot open this entry', 'Its files are gone (deleted or removed by the history limits).');
      return;
    }
    const mime = (input.blob.type || 'image/png').toLowerCase();
    const stamp = hp.items.get(id) ? new Date(hp.items.get(id).created_at) : new Date();
    const pad = (n) => String(n).padStart(2, '0');
    const name = `mend-${stamp.getFullYear()}${pad(stamp.getMonth() + 1)}${pad(stamp.getDate())}-` +
      `${pad(stamp.getHours())}${pad(stamp.getMinutes())}${pad(stamp.getSeconds())}.${EXT_BY_MIME[mime] || 'png'}`;
    const entries = [{ ...input, hid: null }];
    if (output) entries.push({ ...output, hid: id });
    setStack({ name, mime }, entries, entries.length - 1, id);
    if (window.innerWidth < 760) setPanel(false);
  } catch (e) {
    showError(e, 'Cannot open this entry');
  } finally {
    if (state.abort === ctrl || !state.abort) setBusy(null);
  }
}

async function deleteHistoryEntry(id, when) {
  const ok = await confirmDialog('Delete this entry?',
    `The erase from ${when} and its files (input, mask, result) are removed from the server.` +
    (state.history.some((e) => e.hid === id) ? '\nThe open image keeps working, but a reload cannot restore this step.' : ''));
  if (!ok) return;
  const li = $('history-list').querySelector(`[data-id="${CSS.escape(id)}"]`);
  if (li) li.classList.add('gone');
  try {
    await api(`/history/${encodeURIComponent(id)}`, { method: 'DELETE', what: 'Deleting the entry' });
    removeHistoryItem(id, li);
  } catch (e) {
    if (e instanceof ApiError && /HTTP 404|not found/i.test(e.message + e.detail)) removeHistoryItem(id, li);
    else {
      if (li) li.classList.remove('gone');
      showError(e, 'Could not delete the entry');
    }
  }
}

function removeHistoryItem(id, li) {
  // keep keyboard focus in the list
  const next = li && (li.nextElementSibling || li.previousElementSibling);
  const hadFocus = li && li.contains(document.activeElement);
  if (li) li.remove();
  if (hp.items.delete(id) && hp.total) hp.total--;
  hp.details.delete(id);
  if (hadFocus) (next ? next.querySelector('.h-row') : $('tab-history')).focus();
  historyRenderMeta();
}

async function clearHistory() {
  const n = hp.total || 0;
  const ok = await confirmDialog('Clear all history?',
    `This deletes ${n === 1 ? '1 entry and its' : `${n} entries and their`} files from the server. It cannot be undone.\n` +
    'The open image stays, but a reload can no longer restore it.', 'Clear all');
  if (!ok) return;
  try {
    const res = await api('/history?confirm=true', { method: 'DELETE', what: 'Clearing the history' });
    const j = await res.json().catch(() => ({}));
    toast('ok', 'History cleared', `${j.deleted ?? n} ${j.deleted === 1 ? 'entry' : 'entries'} deleted.`);
  } catch (e) {
    showError(e, 'Could not clear the history');
  }
  hp.details.clear();
  await loadHistory(true);
  $('tab-history').focus();
}

// ───────────────────────────── panel tabs & retention ─────────────────────────────

function panelTab() {
  return $('tab-history').getAttribute('aria-selected') === 'true' ? 'history' : 'settings';
}

function syncPanelButtons() {
  const open = !el.app.classList.contains('panel-hidden');
  const tab = panelTab();
  for (const [btn, name] of [[$('btn-panel'), 'settings'], [$('btn-history'), 'history']]) {
    const on = open && tab === name;
    btn.setAttribute('aria-expanded', String(on));
    btn.classList.toggle('active', on);
  }
}

function selectTab(name, focus = false) {
  for (const t of ['settings', 'history']) {
    const on = t === name;
    const tab = $(`tab-${t}`);
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`pane-${t}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  store.set('panelTab', name);
  syncPanelButtons();
  if (name === 'history' && !hp.loaded && !hp.loading) loadHistory(true);
}

/** Toolbar buttons: open the panel at a tab, or close it when that tab is already showing. */
function togglePanelTab(name) {
  const open = !el.app.classList.contains('panel-hidden');
  if (open && panelTab() === name) {
    setPanel(false);
  } else {
    setPanel(true);
    selectTab(name);
  }
  store.set('panelHidden', el.app.classList.contains('panel-hidden'));
}

async function loadRetention() {
  try {
    const r = await (await api('/history/retention', { what: 'Loading history limits' })).json();
    $('ret-entries').value = String(r.max_entries || 0);
    $('ret-mb').value = String(r.max_bytes ? +(r.max_bytes / 1e6).toFixed(1) : 0);
  } catch (e) {
    $('retention-card').classList.add('dim');
    $('ret-note').className = 'note err';
    $('ret-note').textContent = 'Could not load the history limits.';
  }
}

async function saveRetention() {
  const entries = $('ret-entries');
  const mb = $('ret-mb');
  if (!entries.checkValidity() || !mb.checkValidity()) return;
  const body = {
    max_entries: Math.max(0, Math.floor(Number(entries.value) || 0)),
    max_bytes: Math.max(0, Math.round((Number(mb.value) || 0) * 1e6)),
  };
  try {
    await api('/history/retention', { method: 'PUT', json: body, what: 'Saving history limits' });
    entries.value = String(body.max_entries);
    toast('ok', 'History limits saved', [
      body.max_entries ? `at most ${body.max_entries} ${body.max_entries === 1 ? 'entry' : 'entries'}` : 'any number of entries',
      body.max_bytes ? `at most ${fmtBytes(body.max_bytes)}` : 'any size',
    ].join(', '));
    if (hp.loaded) loadHistory(true); // oldest entries may have been evicted
  } catch (e) {
    showError(e, 'Could not save the history limits');
  }
}

function initHistoryPanel() {
  $('tab-settings').addEventListener('click', () => selectTab('settings'));
  $('tab-history').addEventListener('click', () => selectTab('history'));
  $('panel').querySelector('[role=tablist]').addEventListener('keydown', (e) => {
    if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
    e.preventDefault();
    e.stopPropagation();
    const to = e.key === 'Home' ? 'settings' : e.key === 'End' ? 'history'
      : panelTab() === 'settings' ? 'history' : 'settings';
    selectTab(to, true);
  });
  $('btn-history').addEventListener('click', () => togglePanelTab('history'));
  $('btn-history-more').addEventListener('click', () => loadHistory());
  $('btn-history-refresh').addEventListener('click', () => { hp.details.clear(); loadHistory(true); });
  $('btn-history-clear').addEventListener('click', clearHistory);
  if (typeof IntersectionObserver === 'function') {
    // infinite scroll: load the next page when "Load more" scrolls into view
    new IntersectionObserver((entries) => {
      if (entries.some((x) => x.isIntersecting) && hp.next && !hp.loading) loadHistory();
    }, { root: $('panel'), rootMargin: '200px' }).observe($('btn-history-more'));
  }
  for (const id of ['ret-entries', 'ret-mb']) $(id).addEventListener('change', saveRetention);
  selectTab(store.get('panelTab', 'settings') === 'history' ? 'history' : 'settings');
  loadRetention();
}

// ───────────────────────────── image loading ─────────────────────────────

async function openImage(blob, name) {
  if (state.busy) {
    toast('info', 'Please wait', 'An operation is still running.');
    return;
  }
  name = name || 'image';
  let mime = (blob.type || mimeFromName(name) || 'application/octet-stream').toLowerCase();
  if (mime === 'image/jpg') mime = 'image/jpeg';
  if (!mime.startsWith('image/') && mime !== 'application/octet-stream') {
    toast('error', 'Not an image', `${name} (${mime})`);
    return;
  }
  if (!splitName(name)[1] && EXT_BY_MIME[mime]) name = `${name}.${EXT_BY_MIME[mime]}`;
  let decoded;
  try {
    decoded = await decodeImage(blob);
  } catch (e) {
    toast('error', `Cannot open ${name}`, e.message);
    return;
  }
  // A new image starts a new session: nothing of it is on the server yet, so the snapshot
  // is deleted (setStack → goTo → scheduleSnapshot sees no history references).
  setStack({ name, mime }, [{ blob, ...decoded, hid: null }], 0, null);
}

/** Replace the whole undo stack (new image, history entry, restored session). */
function setStack(file, entries, index, originalHid) {
  setCompare(false);
  for (const old of state.history) URL.revokeObjectURL(old.url);
  state.file = file;
  state.history = entries;
  state.index = -1;
  state.originalHid = originalHid || null;
  state.maskOps = [];
  state.maskRedo = [];
  el.stage.hidden = false;
  el.empty.hidden = true;
  el.viewport.classList.add('has-image');
  goTo(clamp(index, 0, entries.length - 1)); // sizes the mask canvas and fits the view
  el.stTime.textContent = '';
  refreshCursorVisibility();
}

async function loadInputImage() {
  try {
    const res = await fetch(API + '/inputimage', { headers: { pragma: 'no-cache', 'cache-control': 'no-cache' } });
    const type = (res.headers.get('Content-Type') || '').toLowerCase();
    if (res.status !== 200 || !type.startsWith('image/')) return;
    const blob = await res.blob();
    const cd = res.headers.get('Content-Disposition') || '';
    const m = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(cd);
    let name = 'inputImage';
    if (m) {
      try { name = decodeURIComponent(m[1] || m[2]); } catch { name = m[1] || m[2]; }
    }
    if (!hasImage()) await openImage(blob, name);
  } catch { /* no input image: fine */ }
}

// ───────────────────────────── UI state ─────────────────────────────

function updateUI() {
  const img = hasImage();
  const busy = state.busy;
  const mask = img && maskHasContent();
  el.undo.disabled = !img || !canUndo();
  el.redo.disabled = !img || !canRedo();
  el.clear.disabled = !mask || busy;
  el.run.disabled = !mask || busy || state.switchingModel;
  el.compare.disabled = !img || state.index === 0;
  el.download.disabled = !img || state.index === 0;
  el.expand.disabled = !mask || busy;
  el.shrink.disabled = !mask || busy;
  el.invert.disabled = !img || busy;
  $('btn-open').disabled = busy;
  el.model.disabled = busy || state.switchingModel || state.modelSwitchDisabled || !state.models.length;
  if (img) {
    const e = cur();
    el.stFile.textContent = state.file.name;
    el.stFile.title = state.file.name;
    el.stSize.textContent = `${e.w} × ${e.h}`;
    el.stHistory.textContent = state.history.length > 1 ? `edit ${state.index} of ${state.history.length - 1}` : '';
  } else {
    el.stFile.textContent = 'No image';
    el.stSize.textContent = '';
    el.stHistory.textContent = '';
  }
}

// ───────────────────────────── pointer: painting & panning ─────────────────────────────

let stroke = null;   // current op while painting
let drawnUpTo = 0;   // points already on the canvas
let rafId = 0;
let pan = null;      // { id, x, y } while panning
let vpRect = null;

function viewportPoint(e) {
  return { x: e.clientX - vpRect.left, y: e.clientY - vpRect.top };
}

function imagePoint(e) {
  const p = viewportPoint(e);
  const v = state.view;
  return { x: (p.x - v.x) / v.s, y: (p.y - v.y) / v.s };
}

function flushStroke() {
  rafId = 0;
  if (!stroke) return;
  const n = stroke.points.length;
  if (n > drawnUpTo) {
    drawSegment(maskCtx, stroke, drawnUpTo, n);
    drawnUpTo = n;
  }
}

function onPointerDown(e) {
  if (!hasImage()) return;
  vpRect = el.viewport.getBoundingClientRect();
  el.viewport.focus({ preventScroll: true });
  if (e.button === 1 || (e.button === 0 && state.space)) {
    e.preventDefault();
    pan = { id: e.pointerId, x: e.clientX, y: e.clientY };
    el.viewport.setPointerCapture(e.pointerId);
    el.viewport.classList.add('panning', 'dragging');
    refreshCursorVisibility();
    return;
  }
  if (e.button !== 0 || stroke) return;
  if (state.busy || state.comparing) return;
  e.preventDefault();
  el.viewport.setPointerCapture(e.pointerId);
  const p = imagePoint(e);
  stroke = {
    type: 'stroke',
    id: e.pointerId,
    erase: state.tool === 'eraser',
    width: state.brushSize / state.view.s,
    points: [p.x, p.y],
  };
  drawnUpTo = 0;
  drawSegment(maskCtx, stroke, 0, 2);
  drawnUpTo = 2;
}

function onPointerMove(e) {
  vpRect = vpRect || el.viewport.getBoundingClientRect();
  const vp = viewportPoint(e);
  moveCursor(vp.x, vp.y);
  if (pan && e.pointerId === pan.id) {
    state.view.x += e.clientX - pan.x;
    state.view.y += e.clientY - pan.y;
    pan.x = e.clientX;
    pan.y = e.clientY;
    state.autoFit = false;
    applyView();
    return;
  }
  if (!stroke || e.pointerId !== stroke.id) return;
  const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
  for (const ev of events.length ? events : [e]) {
    const p = imagePoint(ev);
    stroke.points.push(p.x, p.y);
  }
  if (!rafId) rafId = requestAnimationFrame(flushStroke);
}

function onPointerUp(e) {
  if (pan && e.pointerId === pan.id) {
    pan = null;
    el.viewport.classList.remove('dragging');
    if (!state.space) el.viewport.classList.remove('panning');
    refreshCursorVisibility();
    return;
  }
  if (!stroke || e.pointerId !== stroke.id) return;
  if (rafId) cancelAnimationFrame(rafId);
  flushStroke();
  const op = stroke;
  stroke = null;
  delete op.id;
  // A cancelled stroke (e.g. touch turned into a gesture) is dropped.
  if (e.type === 'pointercancel') {
    replayMask();
    return;
  }
  // Simplify a single-click stroke so replay draws a dot.
  if (op.points.length === 4 && op.points[0] === op.points[2] && op.points[1] === op.points[3]) op.points.length = 2;
  pushMaskOp(op);
  if (!op.erase && el.autoRun.checked) runInpaint();
}

function onWheel(e) {
  if (!hasImage()) return;
  e.preventDefault();
  vpRect = el.viewport.getBoundingClientRect();
  const p = viewportPoint(e);
  const dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
  zoomAt(Math.exp(-dy * (e.ctrlKey ? 0.01 : 0.0015)), p.x, p.y);
}

// ───────────────────────────── keyboard ─────────────────────────────

function isTyping(t) {
  return t && (t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' ||
    (t.tagName === 'INPUT' && !['range', 'checkbox', 'radio', 'file'].includes(t.type)));
}

function onKeyDown(e) {
  if (isTyping(e.target) || modalOpen()) return;
  const mod = e.ctrlKey || e.metaKey;
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod) {
    if (k === 'z') { e.preventDefault(); e.shiftKey ? redo() : undo(); }
    else if (k === 'y') { e.preventDefault(); redo(); }
    else if (k === 's') { e.preventDefault(); download(); }
    else if (k === 'o') { e.preventDefault(); if (!state.busy) el.fileInput.click(); }
    return;
  }
  if (e.altKey) return;
  const onControl = e.target && ['BUTTON', 'INPUT', 'SUMMARY', 'A'].includes(e.target.tagName);
  switch (k) {
    case '[': setBrushSize(state.brushSize / 1.2); break;
    case ']': setBrushSize(state.brushSize * 1.2); break;
    case 'b': setTool('brush'); break;
    case 'e': setTool('eraser'); break;
    case 'c': if (!e.repeat) setCompare(true); break;
    case 'f': case '0': fit(); break;
    case '1': zoomTo(1); break;
    case '+': case '=': zoomCenter(1.25); break;
    case '-': case '_': zoomCenter(1 / 1.25); break;
    case '?': toggleHelp(); break;
    case 'h': togglePanelTab('history'); break;
    case 'Enter': if (onControl) return; runInpaint(); break;
    case 'Delete': case 'Backspace': clearMask(); break;
    case 'Escape':
      if (stroke) { stroke = null; replayMask(); }
      return;
    case ' ':
      if (onControl && !state.pointerInView) return;
      if (!state.space) {
        state.space = true;
        el.viewport.classList.add('panning');
        refreshCursorVisibility();
      }
      break;
    default: return;
  }
  e.preventDefault();
}

function onKeyUp(e) {
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (k === 'c') setCompare(false);
  if (k === ' ' && state.space) {
    state.space = false;
    if (!pan) el.viewport.classList.remove('panning');
    refreshCursorVisibility();
  }
}

// ───────────────────────────── wiring ─────────────────────────────

function wire() {
  const vp = el.viewport;
  vp.tabIndex = 0;
  vp.addEventListener('pointerdown', onPointerDown);
  vp.addEventListener('pointermove', onPointerMove);
  vp.addEventListener('pointerup', onPointerUp);
  vp.addEventListener('pointercancel', onPointerUp);
  vp.addEventListener('pointerenter', () => { state.pointerInView = true; refreshCursorVisibility(); });
  vp.addEventListener('pointerleave', () => { state.pointerInView = false; refreshCursorVisibility(); });
  vp.addEventListener('wheel', onWheel, { passive: false });
  vp.addEventListener('auxclick', (e) => e.preventDefault());
  vp.addEventListener('contextmenu', (e) => { if (hasImage()) e.preventDefault(); });

  window.addEventListener('keydown', onKeyDown);
  window.addEventListener('keyup', onKeyUp);
  window.addEventListener('blur', () => {
    setCompare(false);
    state.space = false;
    el.viewport.classList.remove('panning');
  });
  new ResizeObserver(() => { if (state.autoFit) fit(); }).observe(vp);

  // open / drop / paste
  const pick = () => { if (!state.busy) el.fileInput.click(); };
  $('btn-open').addEventListener('click', pick);
  $('btn-open-empty').addEventListener('click', pick);
  el.fileInput.addEventListener('change', () => {
    const f = el.fileInput.files && el.fileInput.files[0];
    if (f) openImage(f, f.name);
    el.fileInput.value = '';
  });
  let dragDepth = 0;
  const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
  window.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth++;
    el.drop.hidden = false;
  });
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) el.drop.hidden = true;
  });
  window.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth = 0;
    el.drop.hidden = true;
    const f = Array.from(e.dataTransfer.files).find((x) => !x.type || x.type.startsWith('image/'));
    if (f) openImage(f, f.name);
    else toast('error', 'Not an image', 'Drop a PNG, JPEG, WebP or BMP file.');
  });
  document.addEventListener('paste', (e) => {
    if (isTyping(e.target)) return;
    const items = Array.from((e.clipboardData && e.clipboardData.items) || []);
    const item = items.find((i) => i.kind === 'file' && i.type.startsWith('image/'));
    if (!item) return;
    e.preventDefault();
    const f = item.getAsFile();
    if (!f) return;
    const generic = !f.name || /^image\.\w+$/i.test(f.name);
    openImage(f, generic ? `pasted.${EXT_BY_MIME[f.type] || 'png'}` : f.name);
  });

  // tools
  el.toolBrush.addEventListener('click', () => setTool('brush'));
  el.toolEraser.addEventListener('click', () => setTool('eraser'));
  el.brushSize.addEventListener('input', () => setBrushSize(Number(el.brushSize.value)));
  el.undo.addEventListener('click', undo);
  el.redo.addEventListener('click', redo);
  el.clear.addEventListener('click', clearMask);
  el.run.addEventListener('click', runInpaint);
  $('btn-cancel').addEventListener('click', cancelBusy);
  el.download.addEventListener('click', download);
  $('btn-fit').addEventListener('click', fit);
  $('btn-zoom-in').addEventListener('click', () => zoomCenter(1.25));
  $('btn-zoom-out').addEventListener('click', () => zoomCenter(1 / 1.25));
  $('btn-panel').addEventListener('click', () => togglePanelTab('settings'));
  window.addEventListener('pagehide', () => { if (session.timer) flushSnapshot(true); });
  el.expand.addEventListener('click', () => adjustMask('expand'));
  el.shrink.addEventListener('click', () => adjustMask('shrink'));
  el.invert.addEventListener('click', () => adjustMask('reverse'));

  // hold-to-compare
  const cmpOn = (e) => { e.preventDefault(); setCompare(true); };
  const cmpOff = () => setCompare(false);
  el.compare.addEventListener('pointerdown', cmpOn);
  el.compare.addEventListener('pointerup', cmpOff);
  el.compare.addEventListener('pointerleave', cmpOff);
  el.compare.addEventListener('pointercancel', cmpOff);
  el.compare.addEventListener('keydown', (e) => { if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) { e.preventDefault(); e.stopPropagation(); setCompare(true); } });
  el.compare.addEventListener('keyup', (e) => { if (e.key === ' ' || e.key === 'Enter') { e.stopPropagation(); setCompare(false); } });
}

// ───────────────────────────── help popover (with a fallback for browsers without `popover`) ─────

const HAS_POPOVER = typeof HTMLElement.prototype.togglePopover === 'function';

function toggleHelp() {
  const help = $('help');
  if (HAS_POPOVER) help.togglePopover();
  else help.hidden = !help.hidden;
}

function initHelp() {
  if (HAS_POPOVER) return;
  const help = $('help');
  help.hidden = true;
  help.classList.add('fallback');
  document.querySelectorAll('[popovertarget="help"]').forEach((b) =>
    b.addEventListener('click', () => {
      help.hidden = b.getAttribute('popovertargetaction') === 'hide' ? true : !help.hidden;
    }));
  window.addEventListener('keydown', (e) => { if (e.key === 'Escape') help.hidden = true; });
}

// ───────────────────────────── boot ─────────────────────────────

function boot() {
  initSessionId();
  initSettings();
  initHistoryPanel();
  initHelp();
  wire();
  setTool('brush');
  updateUI();
  applyView();
  loadServerInfo();
  // A stored session wins over the server's --input image.
  session.restored = restoreSession().then((ok) => { if (!ok && !hasImage()) loadInputImage(); return ok; });
  // for automated UI checks and debugging
  window.mend = {
    state, session, history: hp, openImage, runInpaint, adjustMask, undo, redo, fit,
    openHistoryEntry, loadHistory, flushSnapshot, snapshotValue,
  };
}

boot();
