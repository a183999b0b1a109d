// A load-balancing proxy in 40 lines of node:http, with only @lb/strategies: the algorithms work in any proxy.
// Run: npx tsx examples/custom_proxy.ts   (BACKENDS=host:port,… and PORT override the defaults)
import http from 'node:http';
import { leastConnections } from '@lb/strategies';

const port = Number(process.env.PORT ?? 8080);
const addresses = process.env.BACKENDS ?? '127.0.0.1:8081,127.0.0.1:8082,127.0.0.1:8083';
const backends = addresses.split(',').map((address, id) => {
  const [host = '127.0.0.1', backendPort] = address.split(':');
  return { id, host, port: Number(backendPort) };
});

const strategy = leastConnections();
strategy.setBackends(backends);

const server = http.createServer((req, res) => {
  const backend = strategy.pick();
  if (!backend) return void res.writeHead(503).end('no backend available\n');
  const started = performance.now();
  let ok = true;
  strategy.onRequestStart(backend);
  // 'close' fires once per request, whatever happened, so the in-flight count always goes back down.
  res.on('close', () => strategy.onRequestEnd(backend, { ok, latencyMs: performance.now() - started }));
  const { host, port: to } = backend;
  const upstream = http.request({ host, port: to, method: req.method, path: req.url, headers: req.headers });
  upstream.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    ok = false;
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
});

server.listen(port, '127.0.0.1', () => {
  const { port: bound } = server.address() as { port: number };
  console.log(`custom proxy on http://127.0.0.1:${bound} (${backends.length} backends)`);
});
