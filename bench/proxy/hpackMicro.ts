/**
 * The CPU of our HPACK codec (packages/proxy/src/protocol/http2/hpack) per field block, in-process and without
 * sockets once the blocks are captured: nanoseconds of process CPU time (user + system) per block, median of 9
 * runs (3 with `--quick`).
 *
 *   node --import tsx bench/proxy/hpackMicro.ts [--quick]
 *
 * The request blocks are real: a `node:http2` client (nghttp2's encoder, as in curl, h2load and grpc-js) sends
 * the fields each of those clients sends, twice, to a raw TCP server here that keeps the HEADERS payloads.
 * - `first`: the first request of a connection, on a fresh decoder: literals, Huffman-coded, entering the
 *   dynamic table.
 * - `repeat`: the same request again on the decoder that read the first: dynamic-table hits, and for grpc-js
 *   the `:path` nghttp2 sends as a literal each time (the decoder remembers the last such value).
 * - `encode`: a response head as the balancer sends it (HTTP/1.1 backend answer, gRPC response head and
 *   trailers), once as a block that stands alone (`encodeFieldBlock`, no dynamic table) and once again on a
 *   session's `HpackEncoder` that sent it before (`repeat`: dynamic-table hits).
 */
import { once } from 'node:events';
import { connect } from 'node:http2';
import { type AddressInfo, createServer } from 'node:net';
import { HpackDecoder } from '../../packages/proxy/src/protocol/http2/hpack/hpackDecoder.js';
import {
  encodeFieldBlock,
  HpackEncoder,
} from '../../packages/proxy/src/protocol/http2/hpack/hpackEncoder.js';

const quick = process.argv.includes('--quick');
const runs = quick ? 3 : 9;
const iterations = quick ? 50_000 : 300_000;

/** The fields each client sends for one request, beside the pseudo-header fields node adds. */
const clients: Record<string, Record<string, string>> = {
  curl: { ':method': 'GET', ':path': '/', 'user-agent': 'curl/7.88.1', accept: '*/*' },
  h2load: {
    ':method': 'GET',
    ':path': '/',
    'accept-encoding': 'gzip, deflate',
    'user-agent': 'h2load nghttp2/1.52.0',
  },
  'grpc-js': {
    ':method': 'POST',
    ':path': '/helloworld.Greeter/SayHello',
    'grpc-accept-encoding': 'identity,deflate,gzip',
    'accept-encoding': 'identity',
    'user-agent': 'grpc-node-js/1.12.6',
    'content-type': 'application/grpc',
    te: 'trailers',
  },
};

/** Sends each client's request twice on its own connection and returns the two field blocks as sent. */
async function capture(): Promise<Map<string, Buffer[]>> {
  const blocks: Buffer[] = [];
  const server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    let preface = true;
    socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])); // an empty SETTINGS frame
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (preface) {
        if (pending.length < 24) return;
        pending = pending.subarray(24);
        preface = false;
      }
      while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
        const length = pending.readUIntBE(0, 3);
        const [type, flags] = [pending[3]!, pending[4]!];
        if (type === 4 && (flags & 1) === 0) socket.write(Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]));
        // HEADERS with END_HEADERS and neither padding nor priority: the small requests here come so.
        if (type === 1) {
          if ((flags & 0x2c) !== 0x04) throw new Error(`unexpected HEADERS flags ${flags}`);
          blocks.push(Buffer.from(pending.subarray(9, 9 + length)));
          // A 200 answer with END_STREAM, in HPACK's static table.
          const answer = Buffer.from([0, 0, 1, 1, 5, 0, 0, 0, 0, 0x88]);
          answer.writeUInt32BE(pending.readUInt32BE(5) & 0x7fffffff, 5);
          socket.write(answer);
        }
        pending = pending.subarray(9 + length);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const captured = new Map<string, Buffer[]>();
  try {
    for (const [client, fields] of Object.entries(clients)) {
      const session = connect(`http://127.0.0.1:${port}`);
      await once(session, 'connect');
      for (let i = 0; i < 2; i++) {
        const request = session.request(fields, { endStream: true });
        request.resume();
        await once(request, 'close');
      }
      session.destroy();
      captured.set(client, blocks.splice(0));
    }
  } finally {
    server.close();
  }
  return captured;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

function nsPer(run: () => unknown): number {
  for (let i = 0; i < iterations / 10; i++) run(); // warm-up
  const ns: number[] = [];
  for (let round = 0; round < runs; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) run();
    const used = process.cpuUsage(start);
    ns.push(((used.user + used.system) * 1000) / iterations);
  }
  return median(ns);
}

const rows: [string, number, string][] = [];
let sink = 0;
for (const [client, [first, repeat]] of await capture()) {
  const warm = new HpackDecoder();
  const list = warm.decode(first!, 65_536)!;
  if (warm.decode(repeat!, 65_536)!.join() !== list.join()) throw new Error(`${client}: blocks differ`);
  const detail = `${list.length / 2} fields, ${first!.length} then ${repeat!.length} bytes`;
  rows.push([
    `decode ${client} first`,
    nsPer(() => (sink += new HpackDecoder().decode(first!, 65_536)!.length)),
    detail,
  ]);
  rows.push([`decode ${client} repeat`, nsPer(() => (sink += warm.decode(repeat!, 65_536)!.length)), detail]);
}
const heads: Record<string, string[]> = {
  'HTTP/1.1 answer': [
    ':status',
    '200',
    'content-type',
    'text/plain',
    'content-length',
    '13',
    'date',
    'Sun, 06 Dec 2026 10:05:41 GMT',
  ],
  'gRPC head': [
    ':status',
    '200',
    'content-type',
    'application/grpc',
    'grpc-accept-encoding',
    'identity,deflate,gzip',
  ],
  'gRPC trailers': ['grpc-status', '0', 'grpc-message', 'OK'],
};
for (const [label, fields] of Object.entries(heads)) {
  const size = encodeFieldBlock(fields).length;
  rows.push([
    `encode ${label}`,
    nsPer(() => (sink += encodeFieldBlock(fields).length)),
    `${fields.length / 2} fields, ${size} bytes`,
  ]);
  const encoder = new HpackEncoder();
  const out = Buffer.allocUnsafe(encoder.maxBlockSize(fields));
  encoder.encode(fields, out, 0);
  const repeated = encoder.encode(fields, out, 0);
  rows.push([
    `encode ${label} repeat`,
    nsPer(() => (sink += encoder.encode(fields, out, 0))),
    `${fields.length / 2} fields, ${repeated} bytes`,
  ]);
}

console.log(`ns of CPU per field block, median of ${runs} runs of ${iterations.toLocaleString('en')}:`);
for (const [label, ns, detail] of rows)
  console.log(`  ${label.padEnd(28)} ${String(Math.round(ns)).padStart(5)}  (${detail})`);
if (sink === 0) console.log('');
