// Floor (b) of bench/proxy/grpc.ts: a node:http2 server whose every stream is forwarded on a node:http2 client
// session (one per backend, taken in turn), headers, body and trailers passed as Node gives them, nothing
// checked, nothing counted. The floor of any gRPC proxy built on node:http2.
import { connect, createServer } from 'node:http2';

// Frozen: Node spreads `respond`'s options and adds `endStream` to the copy, which on Node 20 costs microseconds
// for the copy of an ordinary object (see packages/proxy/src/upstream/http2Exchange.ts); the floor must not pay it.
const withTrailers = Object.freeze({ waitForTrailers: true });
const [port, ...backends] = process.argv.slice(2).map(Number);
const sessions = backends.map((p) => connect(`http://127.0.0.1:${p}`));
let next = 0;
const server = createServer({ settings: { maxConcurrentStreams: 100 } });
server.on('stream', (stream, headers) => {
  const up = sessions[next++ % sessions.length].request(headers);
  stream.pipe(up);
  let trailers = {};
  up.on('response', (head) => {
    stream.respond(head, withTrailers);
    stream.once('wantTrailers', () => stream.sendTrailers(trailers));
    up.pipe(stream);
  });
  up.on('trailers', (fields) => {
    trailers = fields;
  });
  up.on('error', () => stream.close());
  stream.on('error', () => up.close());
});
server.listen(port, '127.0.0.1', () => process.send?.('ready'));
process.on('disconnect', () => process.exit(0));
