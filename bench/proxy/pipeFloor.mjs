// The floor of any proxy written on Node: each client connection is joined to its own backend connection (the
// backends taken in turn) and bytes are copied both ways as they arrive, with no parsing at all. Per request that
// is one read and one write on each side, exactly the socket work the LoadBalancer does on a keep-alive
// connection, so the gap between this row and the balancer's is what HTTP handling costs on top. With LB_TLS_KEY
// and LB_TLS_CERT (PEM files) the client side is TLS, as the balancer's HTTPS rows.
import { readFileSync } from 'node:fs';
import { connect, createServer as createNetServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

const [portText, ...backendPorts] = process.argv.slice(2);
let next = 0;
const { LB_TLS_KEY: key, LB_TLS_CERT: cert } = process.env;
const join = (client) => {
  const port = Number(backendPorts[next++ % backendPorts.length]);
  const upstream = connect({ host: '127.0.0.1', port, noDelay: true });
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('data', (data) => upstream.write(data));
  upstream.on('data', (data) => client.write(data));
  for (const socket of [client, upstream]) {
    socket.on('error', close);
    socket.on('close', close);
  }
};
const server =
  key && cert
    ? createTlsServer({ key: readFileSync(key), cert: readFileSync(cert), noDelay: true }, join)
    : createNetServer({ noDelay: true }, join);
server.listen(Number(portText), '127.0.0.1', () => process.send?.('ready'));
