// Node's own HTTP/2 floor: a `node:http2` server (the stream API, `session.on('stream')`, no compatibility
// request/response objects) answering every stream itself with the same 13-byte answer as `backend.mjs`, without
// proxying. Its cost per request is what `node:http2` alone spends on a stream (HEADERS in, HEADERS and DATA
// out), which no HTTP/2 proxy written on Node can go below.
import { createServer } from 'node:http2';

const port = Number(process.argv[2]);
const body = Buffer.from('Hello, world!');
const server = createServer({ settings: { maxConcurrentStreams: 100 } });
server.on('session', (session) => {
  session.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': '13' });
    stream.end(body);
  });
  session.on('error', () => {});
});
server.listen(port, '127.0.0.1', () => process.send?.('ready'));
// Exit when the parent lets go, so a run under `--cpu-prof` (h2Profile.ts) writes its profile.
process.on('disconnect', () => process.exit(0));
