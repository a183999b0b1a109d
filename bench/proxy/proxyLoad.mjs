// A small bounded HTTP/1.1 load generator for `features.ts`, because wrk cannot open a connection with a PROXY
// protocol header. argv: port, connections, seconds, header (`none`, `v1` or `v2`), shape (`keepalive` or
// `close`), rate (requests per second in all; 0 for as fast as answers come), path, Host. Each connection sends
// one request at a time; `close` opens a new connection for every request (with `Connection: close`), so a
// PROXY header goes with every request. With a rate, each connection waits for its next slot before sending, so
// balancers compared at one rate do the same work per second but for what differs. Prints one JSON line:
// { requests, errors, seconds }. Every response of the bench backend ends with the 13-byte body counted here.
import { connect } from 'node:net';

const [portText, connText, secondsText, header, shape, rateText = '0', path = '/', host = 'a'] =
  process.argv.slice(2);
const port = Number(portText);
const seconds = Number(secondsText);
const connections = Number(connText);
const close = shape === 'close';
/** Milliseconds between two requests of one connection; 0 when unpaced. */
const interval = Number(rateText) > 0 ? (connections * 1000) / Number(rateText) : 0;
const request = Buffer.from(
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`,
  'latin1',
);
const BODY = 'Hello, world!';

/** The PROXY header a HAProxy in front would send for a client at 203.0.113.7:<sourcePort>. */
function proxyHeader(sourcePort) {
  if (header === 'v1')
    return Buffer.from(`PROXY TCP4 203.0.113.7 127.0.0.1 ${sourcePort} ${port}\r\n`, 'latin1');
  if (header !== 'v2') return undefined;
  const out = Buffer.alloc(28);
  Buffer.from('0d0a0d0a000d0a515549540a', 'hex').copy(out, 0);
  out[12] = 0x21; // version 2, PROXY
  out[13] = 0x11; // TCP over IPv4
  out.writeUInt16BE(12, 14);
  out.set([203, 0, 113, 7], 16);
  out.set([127, 0, 0, 1], 20);
  out.writeUInt16BE(sourcePort, 24);
  out.writeUInt16BE(port, 26);
  return out;
}

let requests = 0;
let errors = 0;
let running = true;
let open = 0;
let sourcePort = 1024;
const startedAt = performance.now();

/** Runs `send` at the slot's next time (at once when unpaced or already late), and moves the slot on. */
function paced(slot, send) {
  if (interval === 0) return send();
  const now = performance.now();
  const wait = slot.next - now;
  slot.next = Math.max(slot.next, now) + interval;
  if (wait <= 0) send();
  else setTimeout(send, wait);
}

/** One connection (keep-alive: for the whole run; close: for one request, then the next one opens). */
function connection(slot) {
  if (!running) return;
  open++;
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  sourcePort = sourcePort >= 65535 ? 1024 : sourcePort + 1;
  const prefix = proxyHeader(sourcePort);
  let tail = '';
  socket.once('connect', () =>
    socket.write(prefix === undefined ? request : Buffer.concat([prefix, request])),
  );
  socket.on('data', (chunk) => {
    // Count whole responses by their body; keep the end of the text so a body split across chunks is seen.
    const text = tail + chunk.toString('latin1');
    let at = text.indexOf(BODY);
    let last = -1;
    while (at !== -1) {
      requests++;
      last = at;
      if (!close) paced(slot, () => running && !socket.destroyed && socket.write(request));
      at = text.indexOf(BODY, at + BODY.length);
    }
    tail = text.slice(last === -1 ? Math.max(0, text.length - BODY.length) : last + BODY.length);
    if (!running && !close) socket.destroy();
  });
  socket.on('error', () => {
    errors++;
  });
  socket.on('close', () => {
    open--;
    if (running) paced(slot, () => connection(slot));
    else if (open === 0) finish();
  });
}

function finish() {
  const elapsed = (performance.now() - startedAt) / 1000;
  process.stdout.write(`${JSON.stringify({ requests, errors, seconds: elapsed })}\n`);
  process.exit(0);
}

for (let i = 0; i < connections; i++) {
  const slot = { next: performance.now() + Math.random() * interval };
  paced(slot, () => connection(slot));
}
setTimeout(() => {
  running = false;
  // Keep-alive connections close at their next response (or a paced one never sent); a hard bound all the same.
  setTimeout(finish, 1000).unref();
  if (open === 0) finish();
}, seconds * 1000);
