/**
 * The CPU each feature of `features.ts` adds to one request, measured in-process without sockets, so that a busy
 * machine (which makes the end-to-end rows noisy) inflates it no more than any other CPU-bound loop: best of 7
 * runs of 200,000 iterations, in nanoseconds of process CPU time (user + system) per iteration.
 *
 *   node --import tsx bench/proxy/featuresMicro.ts
 *
 * - `route`: normalising the path and looking it up in 100 routes (50 host, 50 path-prefix) where the 100th
 *   matches, as the `routed` row's requests do; `route, spread` looks up requests that match each route in turn.
 * - `hooks`: an `onRequest` that sets one header on the forwarded header list and an `onResponse` that sets one
 *   response header, through the same objects the request path uses.
 * - `proxy v1` / `proxy v2`: parsing one PROXY header as the listener does once per connection.
 * - `proxy v1 read`: what reading the header adds per connection on top of the parse where a `ProxyHeaderReader`
 *   reads it (TLS and HTTP/2 listeners, `TcpLoadBalancer`; the plain HTTP/1.1 listener's connections read it
 *   inline, which `proxyProfile.ts` measures): registering the connection with the reader, its listeners, and
 *   handing the socket on with the bytes after the header put back. Each iteration makes a `net.Socket` (not
 *   connected) and feeds it the header as one `data` event; the cost of the socket and of the parse (measured
 *   alike without the reader) is subtracted.
 */
import { Socket } from 'node:net';
import { ProxyHeaderReader } from '../../packages/proxy/src/downstream/proxyHeaderReader.js';
import { parseProxyHeader } from '../../packages/proxy/src/protocol/proxy/parseProxyHeader.js';
import { RequestHookRun } from '../../packages/proxy/src/router/requestHookRun.js';
import { normalizePath } from '../../packages/proxy/src/routing/normalizePath.js';
import type { Route } from '../../packages/proxy/src/routing/route.js';
import { RouteTable } from '../../packages/proxy/src/routing/routeTable.js';

function nsPer(run: () => unknown): number {
  const iterations = 200_000;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 7; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) run();
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / iterations);
  }
  return best;
}

const routes: Route[] = [];
for (let i = 0; i < 50; i++) {
  routes.push({ name: `host-${i}`, match: { host: `svc${i}.example.com` }, group: 'other' });
  routes.push({ name: `path-${i}`, match: { pathPrefix: `/svc${i}` }, group: 'other' });
}
routes[99] = { name: 'app', match: { host: 'app.example.com', pathPrefix: '/app' }, group: 'web' };
const table = new RouteTable(routes);
const lookup = (target: string, host: string) =>
  table.route({ method: 'GET', host, path: normalizePath(target)!, header: () => undefined });
/** One request for each route: a host route's host, or a path route's path. */
const spread: [target: string, host: string][] = routes.map((_route, i) =>
  i % 2 === 0 ? [`/x/${i}`, `svc${i >> 1}.example.com`] : [`/svc${i >> 1}/x`, 'www.example.com'],
);
spread[99] = ['/app/x', 'app.example.com'];
let next = 0;

const forwarded = [
  ...['Host', 'app.example.com', 'X-Forwarded-For', '127.0.0.1', 'X-Forwarded-Proto', 'http'],
  ...['X-Forwarded-Host', 'app.example.com', 'X-Forwarded-Port', '8080', 'Via', '1.1 lb'],
  ...['User-Agent', 'wrk', 'Accept', '*/*'],
];
const responseHead = [
  'Content-Type',
  'text/plain',
  'Date',
  'Sun, 06 Dec 2026 07:00:00 GMT',
  'Content-Length',
  '13',
];
const hooks = () => {
  const run = new RequestHookRun(
    'GET',
    '/app/x',
    '127.0.0.1',
    undefined,
    [...forwarded],
    (_ctx, response) => response.setHeader('x-served-by', 'lb'),
    () => {},
  );
  run.setHeader('x-request-tag', 'bench');
  return run.response(200, [...responseHead]);
};
const copies = () => [[...forwarded], [...responseHead]];

/**
 * {@link nsPer} for work that leaves callbacks queued (a socket with bytes put back schedules a read on the next
 * tick): batches of 1,000 with the event loop let through between them, so the queue stays short; that work is
 * counted too.
 */
async function nsPerWithTicks(run: () => unknown): Promise<number> {
  const iterations = 200_000;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 7; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i += 1000) {
      for (let j = 0; j < 1000; j++) run();
      await new Promise(setImmediate);
    }
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / iterations);
  }
  return best;
}

const v1 = Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 40000 8080\r\nGET / HTTP/1.1\r\n', 'latin1');
const v2 = Buffer.concat([
  Buffer.from('0d0a0d0a000d0a515549540a2111000c', 'hex'),
  Buffer.from([203, 0, 113, 7, 127, 0, 0, 1, 0x9c, 0x40, 0x1f, 0x90]),
  Buffer.from('GET / HTTP/1.1\r\n', 'latin1'),
]);

const reader = new ProxyHeaderReader(10_000, { onHeader: () => {}, onRefused: () => {} });
const readV1 = () => {
  const socket = new Socket();
  reader.read(socket);
  socket.emit('data', v1);
};
const socketAndParse = () => {
  new Socket();
  return parseProxyHeader(v1);
};

const rows: [string, number][] = [
  ['route (100 routes, the last matches)', nsPer(() => lookup('/app/x', 'app.example.com'))],
  ['route, spread (each route in turn)', nsPer(() => lookup(...spread[next++ % 100]!))],
  ['route (no routes: not run)', 0],
  ['hooks (onRequest + onResponse, one header each)', nsPer(hooks) - nsPer(copies)],
  ['proxy v1 parse', nsPer(() => parseProxyHeader(v1))],
  ['proxy v2 parse', nsPer(() => parseProxyHeader(v2))],
  [
    'proxy v1 read (per connection, beyond the parse)',
    (await nsPerWithTicks(readV1)) - (await nsPerWithTicks(socketAndParse)),
  ],
];
console.log(
  `Node ${process.version}; one-minute load average ${(await import('node:os')).loadavg()[0]!.toFixed(2)}\n`,
);
console.log('| work | ns per request (best of 7) |\n|---|---|');
for (const [name, ns] of rows) console.log(`| ${name} | ${Math.round(ns)} |`);
