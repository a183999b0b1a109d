// Node's own floor: a `net` (or, with LB_TLS_KEY and LB_TLS_CERT, `tls`) server that answers every request with
// a fixed 13-byte response itself, without proxying. What it costs per request is Node's socket and TLS
// machinery alone (one read and one write), which no proxy written on it can go below.
import { readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

const port = Number(process.argv[2]);
const { LB_TLS_KEY: key, LB_TLS_CERT: cert } = process.env;
const response = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n' +
    `Date: ${new Date().toUTCString()}\r\n\r\nHello, world!`,
  'latin1',
);
const serve = (socket) => {
  socket.on('data', (data) => {
    if (data.indexOf('\r\n\r\n') !== -1) socket.write(response);
  });
  socket.on('error', () => {});
};
const server =
  key && cert
    ? createTlsServer({ key: readFileSync(key), cert: readFileSync(cert), noDelay: true }, serve)
    : createNetServer({ noDelay: true }, serve);
server.listen(port, '127.0.0.1', () => process.send?.('ready'));
