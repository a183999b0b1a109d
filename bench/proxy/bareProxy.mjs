// The simplest correct-ish proxy: http.request with a keep-alive Agent(64), round robin, no header rules.
import { Agent, createServer, request } from 'node:http';

const [port, ...backends] = process.argv.slice(2).map(Number);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let next = 0;
createServer((req, res) => {
  const target = backends[next++ % backends.length];
  const up = request(
    { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers, agent },
    (upRes) => {
      res.writeHead(upRes.statusCode, upRes.headers);
      upRes.pipe(res);
    },
  );
  up.on('error', () => {
    res.statusCode = 502;
    res.end();
  });
  req.pipe(up);
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
