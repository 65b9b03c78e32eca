// Baselines for the stroke-end → result-on-screen measurement: the same edits (same image
// bytes, same mask bytes, same settings, same model) sent straight to the HTTP API from node,
// as a script would, with no browser around them.
//
// The editor sends `POST /api/v1/edit` (multipart) and, after the first edit of an image, names
// the image by SHA-256 instead of uploading it. From each captured editor request this module
// rebuilds the complete edit (the image bytes are the history entry's `input`, which is what the
// server was given or kept) and times three direct calls per edit:
//   json   — IOPaint's `POST /api/v1/inpaint`, image + mask as data URLs (what IOPaint clients do);
//   upload — `POST /api/v1/edit` with image and mask as files (the fastest one-shot call);
//   replay — the editor's own request again, every field as the editor sent it (image by
//            SHA-256: the server already has it; `crop=changed`: only the changed rectangle
//            is answered, see host/src/server/api/edit.rs). Being the same request, it is
//            one of the baselines the ratio is taken against.

/**
 * Page init script: records the body of every `POST /api/v1/edit` the editor sends (a
 * `FormData`, or the multipart bytes with their `Content-Type`), without delaying it.
 */
export function recordEdits() {
  window.__edits = [];
  const original = window.fetch;
  window.fetch = function (input, init) {
    if (String(input).endsWith('/api/v1/edit') && init?.method === 'POST') {
      const headers = new Headers(init.headers);
      window.__edits.push(init.body instanceof FormData ? [...init.body.entries()] : { body: init.body, type: headers.get('content-type') });
    }
    return original.call(this, input, init);
  };
}

/**
 * The recorded forms from index `from` on, as { name → string | base64 of the file } (run in
 * the page; reading only the new ones keeps a 25 MB first upload from being copied again).
 */
export async function readEdits(from = 0) {
  const b64 = async (blob) => {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  // Multipart bytes are read back with the browser's own form parser.
  const entries = async (e) => (Array.isArray(e) ? e : [...(await new Response(e.body, { headers: { 'content-type': e.type } }).formData()).entries()]);
  return Promise.all(window.__edits.slice(from).map(async (e) => Object.fromEntries(await Promise.all((await entries(e)).map(async ([k, v]) => [k, typeof v === 'string' ? v : { file: await b64(v), type: v.type }])))));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn) {
  const t = performance.now();
  const r = await fn();
  if (!r.ok) throw new Error(`baseline request: HTTP ${r.status} ${await r.text()}`);
  await r.arrayBuffer();
  return performance.now() - t;
}

function form(fields) {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string') f.append(k, v);
    else f.append(k, new Blob([v.bytes], { type: v.type }), k);
  }
  return f;
}

/**
 * Times the three baselines for each recorded editor form (see `readEdits`) with the history
 * id of its answer, against the server at `base`. Returns per-kind arrays of ms and medians.
 */
export async function apiBaselines(base, edits) {
  const out = { json: [], upload: [], replay: [] };
  for (const { fields, historyId } of edits) {
    const mask = Buffer.from(fields.mask.file, 'base64');
    const settings = fields.settings;
    const input = await fetch(`${base}/api/v1/history/${historyId}/input`);
    if (!input.ok) throw new Error(`history input of ${historyId}: HTTP ${input.status}`);
    const mime = input.headers.get('content-type') ?? 'image/png';
    const image = Buffer.from(await input.arrayBuffer());
    if (fields.image && !Buffer.from(fields.image.file, 'base64').equals(image)) throw new Error('history input differs from the uploaded image');
    const json = JSON.stringify({ ...JSON.parse(settings), image: `data:${mime};base64,${image.toString('base64')}`, mask: `data:image/png;base64,${mask.toString('base64')}` });
    out.json.push(await timed(() => fetch(`${base}/api/v1/inpaint`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: json })));
    const maskFile = { bytes: mask, type: 'image/png' };
    out.upload.push(await timed(() => fetch(`${base}/api/v1/edit`, { method: 'POST', body: form({ image: { bytes: image, type: mime }, mask: maskFile, settings }) })));
    const replay = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? v : k === 'image' ? { bytes: image, type: mime } : { bytes: Buffer.from(v.file, 'base64'), type: v.type }]));
    out.replay.push(await timed(() => fetch(`${base}/api/v1/edit`, { method: 'POST', body: form(replay) })));
  }
  return { ...out, medians: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, median(v)])) };
}
