// The h2c twin of backend.mjs: a cleartext HTTP/2 server (prior knowledge) answering every stream with the same
// 13 bytes, for the balancer's `upstreamProtocol: 'h2c'` rows.
import { createServer } from 'node:http2';

const port = Number(process.argv[2]);
const server = createServer();
server.on('stream', (stream) => {
  stream.on('error', () => {});
  stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': '13' });
  stream.end('Hello, world!');
});
server.on('session', (session) => session.on('error', () => {}));
server.listen(port, '127.0.0.1', () => process.send?.('ready'));
