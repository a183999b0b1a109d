// The chunk flood's backend: answers a GET with 13 bytes on a keep-alive connection, like backend.mjs, and a
// request with a body (the flood) with `ok` once it has read the whole body.
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '13' });
    res.end('Hello, world!');
    return;
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Length': '2' });
    res.end('ok');
  });
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
