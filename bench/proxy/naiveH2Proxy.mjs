// The naive way to put HTTP/2 in front of HTTP/1.1 backends in Node: the node:http2 compatibility server
// (request/response objects) and http.request with a keep-alive Agent(64), round robin, no header rules beyond
// dropping the pseudo-headers and the connection-specific fields HTTP/1.1 would reject.
import { Agent, request } from 'node:http';
import { createServer } from 'node:http2';

const [port, ...backends] = process.argv.slice(2).map(Number);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
let next = 0;
createServer({ settings: { maxConcurrentStreams: 100 } }, (req, res) => {
  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) if (name[0] !== ':') headers[name] = value;
  headers.host = req.headers[':authority'];
  const up = request(
    {
      host: '127.0.0.1',
      port: backends[next++ % backends.length],
      method: req.method,
      path: req.url,
      headers,
      agent,
    },
    (upRes) => {
      const out = {};
      for (const [name, value] of Object.entries(upRes.headers)) if (!hopByHop.has(name)) out[name] = value;
      res.writeHead(upRes.statusCode, out);
      upRes.pipe(res);
    },
  );
  up.on('error', () => {
    res.statusCode = 502;
    res.end();
  });
  req.pipe(up);
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
