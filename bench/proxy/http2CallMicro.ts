/**
 * What one unary call costs the balancer's use of `node:http2` before and after issue #16's change, in-process: a
 * `node:http2` server and client in this process on loopback, 64 calls in flight, each call built as the
 * balancer builds it (`toHttp2Request` from a flat header list, `session.request` with the options of a body of
 * known length, the server's `respond` with a head that waits for trailers, then the trailers).
 *
 * - `before`: the code of main before the change, kept here: the request headers built as `{ ...pseudo, ...fields }`
 *   and fresh option objects per call (`{ endStream, waitForTrailers }`, `{ waitForTrailers: true }`).
 * - `after`: `toHttp2Request` of the package and frozen option objects, as `Http2Exchange` and
 *   `Http2StreamExchange` now pass them.
 *
 * Both run alternately (each round runs both, pinned or not as you start it: `taskset -c 0 node …`), 7 rounds of 5,000 calls each; the figure is the median of process CPU time (user +
 * system, both sides of the connection) per call. Run:
 *   node --import tsx bench/proxy/http2CallMicro.ts [--rounds 7] [--calls 5000]
 */
import { once } from 'node:events';
import { connect, createServer, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { toHttp2Request } from '../../packages/proxy/src/protocol/http2/http2Headers.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) =>
  args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback;
const ROUNDS = option('--rounds', 7);
const CALLS = option('--calls', 5000);
const IN_FLIGHT = 64;

/** The fields the balancer sends a backend for h2load's call (as `buildRequestHeaders` leaves them). */
const fields = [
  'Host',
  '127.0.0.1:40000',
  'X-Forwarded-For',
  '127.0.0.1',
  'X-Forwarded-Proto',
  'http',
  'X-Forwarded-Host',
  '127.0.0.1:40000',
  'X-Forwarded-Port',
  '40000',
  'Content-Length',
  '12',
  'user-agent',
  'h2load nghttp2/1.52.0',
  'content-type',
  'application/grpc',
  'te',
  'trailers',
];
const line = {
  method: 'POST',
  path: '/lbtest.Echo/Unary',
  scheme: 'http',
  defaultAuthority: '127.0.0.1:1',
} as const;
const body = Buffer.from([0, 0, 0, 0, 7, 0x0a, 5, ...Buffer.from('hello')]);

/** main's `toHttp2Request` for this request (no CONNECT, no repeated or dropped fields in it). */
function toHttp2RequestBefore(headers: readonly string[]): OutgoingHttpHeaders {
  let authority: string | undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    if (name === 'host') authority ??= headers[i + 1]!;
    else if (name !== 'content-length') out[name] = headers[i + 1]!;
  }
  const pseudo = {
    ':method': line.method,
    ':scheme': line.scheme,
    ':authority': authority ?? line.defaultAuthority,
    ':path': line.path,
  };
  return { ...pseudo, ...out };
}

interface Variant {
  name: string;
  request(): OutgoingHttpHeaders;
  requestOptions(): { endStream: boolean; waitForTrailers?: boolean };
  respondOptions(): { waitForTrailers: boolean };
}
const frozenRequest = Object.freeze({ endStream: false });
const frozenRespond = Object.freeze({ waitForTrailers: true });
const variants: Variant[] = [
  {
    name: 'before',
    request: () => toHttp2RequestBefore(fields),
    requestOptions: () => ({ endStream: false, waitForTrailers: false }),
    respondOptions: () => ({ waitForTrailers: true }),
  },
  {
    name: 'after',
    request: () => toHttp2Request(line, fields),
    requestOptions: () => frozenRequest,
    respondOptions: () => frozenRespond,
  },
];

let variant = variants[0]!;
const server = createServer();
server.on('stream', (stream: ServerHttp2Stream) => {
  stream.on('data', () => {});
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, variant.respondOptions());
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(body);
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
await once(session, 'remoteSettings');

function call(): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request(variant.request(), variant.requestOptions());
    stream.on('data', () => {});
    stream.on('error', reject);
    stream.on('close', resolve);
    stream.end(body);
  });
}

async function round(calls: number): Promise<number> {
  const start = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next++ < calls) await call();
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / calls;
}

const results = new Map(variants.map((v) => [v.name, [] as number[]]));
for (const v of variants) {
  variant = v;
  await round(2000); // warm-up: JIT, session windows
}
for (let r = 0; r < ROUNDS; r++) {
  for (const v of variants) {
    variant = v;
    results.get(v.name)!.push(await round(CALLS));
  }
}
session.close();
server.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `${ROUNDS} alternating rounds of ${CALLS} calls, ${IN_FLIGHT} in flight, Node ${process.version}`,
);
console.log('| variant | CPU ns per call (median) | rounds |');
console.log('|---|---|---|');
for (const [name, xs] of results) {
  console.log(`| ${name} | ${Math.round(median(xs))} | ${xs.map((x) => Math.round(x)).join(', ')} |`);
}
const [b, a] = [median(results.get('before')!), median(results.get('after')!)];
const wins = results.get('after')!.filter((x, i) => x < results.get('before')![i]!).length;
console.log(
  `after − before: ${Math.round(a - b)} ns per call (${(((a - b) / b) * 100).toFixed(1)}%); ` +
    `after cheaper in ${wins} of ${ROUNDS} rounds`,
);
