// A minimal keep-alive backend: 13 bytes per response, like the baseline measurements.
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '13' });
  res.end('Hello, world!');
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
