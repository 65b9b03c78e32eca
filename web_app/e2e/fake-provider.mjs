// A tiny local server speaking the OpenAI images API for the cloud end-to-end test: every
// POST /v1/images/* with the right bearer key answers one magenta image (b64_json) and a
// gpt-image-style usage; it counts the calls. Returns { baseUrl, key, calls, stop }.
import http from 'node:http';

const MAGENTA_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z/AfAAQAAf8iCjrwAAAAAElFTkSuQmCC';

export async function startFakeProvider() {
  const key = 'sk-e2e-fake-key';
  const state = { calls: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url.startsWith('/v1/images/')) {
        res.writeHead(404).end();
        return;
      }
      if (req.headers.authorization !== `Bearer ${key}`) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }));
        return;
      }
      state.calls++;
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_e2e_${state.calls}` });
      res.end(JSON.stringify({
        created: Math.floor(Date.now() / 1000),
        data: [{ b64_json: MAGENTA_PNG }],
        usage: { input_tokens: 300, output_tokens: 272, input_tokens_details: { text_tokens: 20, image_tokens: 280 } },
      }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    key,
    get calls() { return state.calls; },
    stop: () => new Promise((r) => server.close(r)),
  };
}
