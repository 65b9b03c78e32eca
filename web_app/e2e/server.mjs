// Starts `mend start` (the release binary) on a free port with a temporary data dir, the
// first-party plugins copied into a temporary plugins dir, and input/output folders for the
// file manager. Returns { url, stop, dirs }.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { photoPng } from './photo.mjs';

export async function startMend({ bin, pluginsDist, webDir, log, provider }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mend-ui-e2e-'));
  const dirs = { root, data: path.join(root, 'data'), plugins: path.join(root, 'plugins'), input: path.join(root, 'input'), output: path.join(root, 'output') };
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
  const args = ['start', '--host', '127.0.0.1', '--port', '0', '--model', 'cv2', '--device', 'cpu',
    '--data-dir', dirs.data, '--plugins-dir', dirs.plugins, '--input', dirs.input, '--output-dir', dirs.output];
  if (webDir) args.push('--web-dir', webDir);
  if (provider) args.push('--openai-base-url', provider.baseUrl, '--budget-min-interval-secs', '0');
  const out = fs.openSync(log, 'w');
  const child = spawn(bin, args, { stdio: ['ignore', out, out], env: { ...process.env, NO_COLOR: '1', ...(provider ? { MEND_OPENAI_API_KEY: provider.key } : {}) } });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(() => { child.kill('SIGKILL'); r(); }, 5000); child.once('exit', () => { clearTimeout(t); r(); }); });
    }
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
