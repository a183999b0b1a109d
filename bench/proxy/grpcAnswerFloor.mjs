// Floor (a) of bench/proxy/grpc.ts: a node:http2 server that answers lbtest.Echo/Unary itself, no proxying. The
// cost of Node's HTTP/2 server side per call: one HEADERS in, one DATA in, HEADERS + DATA + trailers out.
import { createServer } from 'node:http2';

const port = Number(process.argv[2]);
/** A framed lbtest.EchoReply { text: "hello" }: the answer does not depend on the request. */
const reply = Buffer.from([0, 0, 0, 0, 7, 0x0a, 5, ...Buffer.from('hello')]);
const server = createServer({ settings: { maxConcurrentStreams: 100 } });
server.on('stream', (stream) => {
  stream.on('data', () => {});
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(reply);
  });
});
server.listen(port, '127.0.0.1', () => process.send?.('ready'));
process.on('disconnect', () => process.exit(0));
