// Starts `mend start` (the release binary) on a free port with a temporary data dir, the
// first-party plugins copied into a temporary plugins dir, input/output folders for the file
// manager, and an empty temporary model dir whose `lama` weights come from a local HTTP server
// (a small torch-traced LaMa, `models/tests/fixtures/torchscript/small-lama.pt`) through
// IOPaint's `LAMA_MODEL_URL` / `LAMA_MODEL_MD5` overrides, and whose Real-ESRGAN weights are a
// small SRVGGNetCompact (`models/tests/fixtures/srvgg/tiny-srvgg.pth`) and its MI-GAN a small
// traced one (`models/tests/fixtures/migan/tiny-migan.pt`) from the same server: never the
// internet.
// Returns { url, stop, dirs }.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { photoPng } from './photo.mjs';

export async function startMend({ bin, pluginsDist, webDir, log, provider }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mend-ui-e2e-'));
  const dirs = { root, data: path.join(root, 'data'), plugins: path.join(root, 'plugins'), input: path.join(root, 'input'), output: path.join(root, 'output'), models: path.join(root, 'models') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(dirs.input, 'disc.png'), photoPng());
  let copied = 0;
  if (pluginsDist && fs.existsSync(pluginsDist)) {
    for (const f of fs.readdirSync(pluginsDist)) {
      if (f.endsWith('.wasm')) {
        fs.copyFileSync(path.join(pluginsDist, f), path.join(dirs.plugins, f));
        copied++;
      }
    }
  }
  // E2E_LAMA_WEIGHTS: a full-size big-lama.pt (random weights do: the time is the same) to
  // time strokes on LaMa as users run it.
  const weights = fs.readFileSync(process.env.E2E_LAMA_WEIGHTS || new URL('../../models/tests/fixtures/torchscript/small-lama.pt', import.meta.url));
  const esrgan = fs.readFileSync(new URL('../../models/tests/fixtures/srvgg/tiny-srvgg.pth', import.meta.url));
  const migan = fs.readFileSync(new URL('../../models/tests/fixtures/migan/tiny-migan.pt', import.meta.url));
  const weightsServer = http.createServer((req, res) => {
    const body = req.url?.endsWith('/realesr-general-x4v3.pth') ? esrgan : req.url?.endsWith('/migan_traced.pt') ? migan : weights;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  await new Promise((r) => weightsServer.listen(0, '127.0.0.1', r));
  const md5 = (b) => crypto.createHash('md5').update(b).digest('hex');
  const weightsUrl = `http://127.0.0.1:${weightsServer.address().port}`;
  const lamaEnv = {
    LAMA_MODEL_URL: `${weightsUrl}/big-lama.pt`,
    LAMA_MODEL_MD5: md5(weights),
    REALESR_GENERAL_X4V3_MODEL_URL: `${weightsUrl}/realesr-general-x4v3.pth`,
    REALESR_GENERAL_X4V3_MODEL_MD5: md5(esrgan),
    MIGAN_MODEL_URL: `${weightsUrl}/migan_traced.pt`,
    MIGAN_MODEL_MD5: md5(migan),
  };
  const args = ['start', '--host', '127.0.0.1', '--port', '0', '--model', 'cv2', '--device', 'cpu',
    '--data-dir', dirs.data, '--plugins-dir', dirs.plugins, '--input', dirs.input, '--output-dir', dirs.output,
    '--model-dir', dirs.models];
  if (webDir) args.push('--web-dir', webDir);
  if (provider) args.push('--openai-base-url', provider.baseUrl, '--budget-min-interval-secs', '0');
  const out = fs.openSync(log, 'w');
  const child = spawn(bin, args, { stdio: ['ignore', out, out], env: { ...process.env, NO_COLOR: '1', ...lamaEnv, ...(provider ? { MEND_OPENAI_API_KEY: provider.key } : {}) } });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(() => { child.kill('SIGKILL'); r(); }, 5000); child.once('exit', () => { clearTimeout(t); r(); }); });
    }
    weightsServer.close();
    fs.rmSync(root, { recursive: true, force: true });
  };
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    const m = fs.readFileSync(log, 'utf8').match(/ready at (http:\/\/127\.0\.0\.1:\d+)/);
    if (m) {
      const url = m[1];
      try {
        const r = await fetch(`${url}/api/v1/server-config`);
        if (r.ok) return { url, stop, dirs, plugins: copied };
      } catch { /* not yet */ }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const text = fs.readFileSync(log, 'utf8');
  await stop();
  throw new Error(`mend did not start:\n${text}`);
}
