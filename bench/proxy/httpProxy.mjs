// http-proxy 1.18 with a keep-alive Agent(64) and round robin.
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';

const [port, ...backends] = process.argv.slice(2).map(Number);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const proxy = httpProxy.createProxyServer({ agent, xfwd: true });
proxy.on('error', (_err, _req, res) => {
  res.statusCode = 502;
  res.end();
});
let next = 0;
createServer((req, res) => {
  proxy.web(req, res, { target: `http://127.0.0.1:${backends[next++ % backends.length]}` });
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
