// Floor (c) of bench/proxy/grpc.ts: the balancer's own HTTP/2 session (packages/proxy/src/protocol/http2/session)
// on both sides, every client stream forwarded on an upstream session (one per backend, taken in turn), fields,
// body and trailers passed through as decoded, nothing checked, nothing counted. What our HTTP/2 codec costs a
// gRPC proxy before any balancing: the rest of the balancer's row is its request path.
import { connect, createServer } from 'node:net';
import {
  Http2Session,
  type Http2SessionEvents,
} from '../../packages/proxy/src/protocol/http2/session/http2Session.js';
import type {
  Http2Stream,
  Http2StreamHandler,
} from '../../packages/proxy/src/protocol/http2/session/http2Stream.js';

const limits = { maxConcurrentStreams: 100, maxHeaderListSize: 65_536 };
const quiet: Omit<Http2SessionEvents, 'onStream'> = {
  onReady() {},
  onGoaway() {},
  onAbuse() {},
  onClose() {},
};

const [port, ...backends] = process.argv.slice(2).map(Number);
const upstreams = backends.map((backendPort) => {
  const socket = connect(backendPort!, '127.0.0.1');
  socket.setNoDelay(true);
  return new Http2Session(socket, { role: 'client', ...limits }, { ...quiet, onStream() {} });
});
let next = 0;

/** One client stream and its upstream stream, each the other's handler. */
function forward(stream: Http2Stream, fields: string[] | undefined, endStream: boolean): void {
  const session = upstreams[next++ % upstreams.length]!;
  const toClient: Http2StreamHandler = {
    onHeaders: (block, end) => stream.sendHeaders(block ?? [], end),
    onData: (chunk, end) => stream.sendData(chunk, end),
    onDrain() {},
    onClose() {},
  };
  const upstream = session.request(fields ?? [], endStream, toClient);
  stream.handler = {
    onHeaders: (block) => upstream?.sendTrailers(block ?? []),
    onData: (chunk, end) => upstream?.sendData(chunk, end),
    onDrain() {},
    onClose() {},
  };
  stream.resume();
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  new Http2Session(socket, { role: 'server', ...limits }, { ...quiet, onStream: forward });
});
server.listen(port, '127.0.0.1', () => process.send?.('ready'));
process.on('disconnect', () => process.exit(0));
