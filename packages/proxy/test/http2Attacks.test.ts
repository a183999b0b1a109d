import { constants } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, startBackend, startBalancer, until } from './helpers.js';
import {
  block,
  Flag,
  FrameType,
  frame,
  getFields,
  headers,
  indexed,
  indexedLiteral,
  literal,
  RawH2,
  rstStream,
  settings,
} from './http2Frames.js';
import { h2Request, h2Session } from './http2Helpers.js';

afterEach(cleanup);

const { NGHTTP2_PROTOCOL_ERROR, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_CANCEL } = constants;

/** A balancer with HTTP/2 on, a backend, and a well-behaved client whose requests must keep succeeding. */
async function setUp() {
  const backend = await startBackend('a');
  const { lb, port } = await startBalancer([backend.backend], { http2: true });
  const good = await h2Session(`http://127.0.0.1:${port}`);
  const stillServed = async (): Promise<void> => {
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => h2Request(good, { ':method': 'GET', ':path': '/' })),
    );
    for (const reply of replies) expect(reply.status).toBe(200);
  };
  return { backend, lb, port, stillServed };
}

describe('HTTP/2 requests RFC 9113 §8 calls malformed', () => {
  const cases: [string, [string, string][]][] = [
    ['an upper-case field name', [...getFields(), ['X-Upper', 'v']]],
    ['a connection field', [...getFields(), ['connection', 'keep-alive']]],
    ['a keep-alive field', [...getFields(), ['keep-alive', '5']]],
    ['a proxy-connection field', [...getFields(), ['proxy-connection', 'close']]],
    ['a transfer-encoding field', [...getFields(), ['transfer-encoding', 'chunked']]],
    ['an upgrade field', [...getFields(), ['upgrade', 'websocket']]],
    ['te other than trailers', [...getFields(), ['te', 'gzip']]],
    ['a pseudo-header after a regular field', [['x-a', 'v'], ...getFields()]],
    ['an unknown pseudo-header', [...getFields(), [':protocol', 'websocket']]],
    ['a repeated :path', [...getFields(), [':path', '/again']]],
    ['no :path', getFields().filter(([n]) => n !== ':path')],
    ['no :method', getFields().filter(([n]) => n !== ':method')],
    ['no :scheme', getFields().filter(([n]) => n !== ':scheme')],
    ['an empty :path', getFields('')],
    ['an absolute-form :path', getFields('http://evil/')],
    ['a response pseudo-header', [...getFields(), [':status', '200']]],
    ['a non-numeric content-length', [...getFields(), ['content-length', '1x']]],
  ];

  it.each(cases)('resets a stream with %s, and nothing reaches the backend', async (_name, fields) => {
    const { backend, port, stillServed } = await setUp();
    const raw = await RawH2.open(port);
    raw.write(headers(1, block(fields)));
    expect(await raw.reset(1)).toBe(NGHTTP2_PROTOCOL_ERROR);
    await stillServed();
    expect(backend.requests.every((req) => req.url === '/')).toBe(true);
    expect(backend.requests).toHaveLength(5);
  });

  // nghttp2 (inside Node) drops a field with a CR, LF or NUL, surrounding whitespace or a space in its name
  // before the stream is seen, and serves the rest of the request: RFC 9113 asks for a reset, but either way
  // the field never reaches a backend, which is what keeps it from splitting a request there.
  it.each([
    ['a CR in a value', ['x-a', 'one\r\nx-smuggled: three']],
    ['a LF in a value', ['x-a', 'one\nx-smuggled: two']],
    ['a NUL in a value', ['x-a', 'one\u0000two']],
    ['a leading space in a value', ['x-a', ' padded']],
    ['a trailing tab in a value', ['x-a', 'padded\t']],
    ['a space in a name', ['x a', 'v']],
    ['a colon in a name', ['x:a', 'v']],
  ] as [string, [string, string]][])('never forwards a field with %s', async (_name, field) => {
    const { backend, port, stillServed } = await setUp();
    const raw = await RawH2.open(port);
    raw.write(headers(1, block([...getFields('/odd'), field])));
    await raw.waitFor(
      (f) => f.stream === 1 && (f.type === FrameType.RST_STREAM || (f.flags & Flag.END_STREAM) !== 0),
    );
    await stillServed();
    for (const req of backend.requests) {
      expect(req.headers['x-a']).toBeUndefined();
      expect(req.headers['x-smuggled']).toBeUndefined();
      expect(req.rawHeaders.join('\n')).not.toContain('padded');
    }
  });

  it('answers CONNECT with 405 without reaching the backend', async () => {
    const { backend, port, stillServed } = await setUp();
    const raw = await RawH2.open(port);
    raw.write(
      headers(
        1,
        block([
          [':method', 'CONNECT'],
          [':authority', 'example.com:443'],
        ]),
      ),
    );
    const response = await raw.waitFor((f) => f.type === FrameType.HEADERS && f.stream === 1);
    // `:status: 405` is the static table's entry 8 … 14 only for 200-500; 405 comes as a literal.
    expect(response?.payload.includes(Buffer.from('405'))).toBe(true);
    await stillServed();
    expect(backend.requests).toHaveLength(5);
  });

  it('resets a stream whose DATA disagrees with its content-length, and aborts the upstream request', async () => {
    let aborted = 0;
    const backend = await startBackend('b', (req, res) => {
      // Uploads are held open so the balancer must abort them; a GET is answered.
      if (req.method === 'GET') {
        res.end('ok');
        return;
      }
      req.resume();
      req.on('aborted', () => aborted++);
      res.on('close', () => {
        if (!res.writableEnded) aborted++;
      });
    });
    const { port } = await startBalancer([backend.backend], { http2: true });
    const raw = await RawH2.open(port);
    const fields = [...getFields('/upload'), ['content-length', '10']] as [string, string][];
    fields[0] = [':method', 'POST'];
    raw.write(headers(1, block(fields), false));
    await until(() => backend.requests.length === 1);
    raw.write(frame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from('12345')));
    expect(await raw.reset(1)).toBe(NGHTTP2_PROTOCOL_ERROR);
    await until(() => aborted > 0);
    // Too much DATA is malformed too. Node 20's nghttp2 lets the balancer reset the stream; Node 24's treats it
    // as an error of the whole connection and ends it with GOAWAY. Either way the attacker's request never
    // completes, and other clients are served.
    raw.write(headers(3, block(fields.map(([n, v]) => [n, n === ':path' ? '/two' : v])), false));
    raw.write(frame(FrameType.DATA, 0, 3, Buffer.from('0123456789ABC')));
    const ended = await raw.waitFor(
      (f) => (f.type === FrameType.RST_STREAM && f.stream === 3) || f.type === FrameType.GOAWAY,
    );
    if (ended?.type === FrameType.RST_STREAM)
      expect(ended.payload.readUInt32BE(0)).toBe(NGHTTP2_PROTOCOL_ERROR);
    expect(raw.frames.some((f) => f.type === FrameType.HEADERS && f.stream === 3)).toBe(false);
    const other = await h2Session(`http://127.0.0.1:${port}`);
    expect((await h2Request(other, { ':method': 'GET', ':path': '/' })).status).toBe(200);
  });
});

describe('HTTP/2 abuse costs only the abuser its connection', () => {
  it('closes a rapid-reset session (CVE-2023-44487) with GOAWAY ENHANCE_YOUR_CALM', async () => {
    const { backend, lb, port, stillServed } = await setUp();
    const raw = await RawH2.open(port);
    const burst: Buffer[] = [];
    for (let i = 0; i < 1000; i++) {
      const id = 1 + 2 * i;
      burst.push(headers(id, block(getFields(`/r/${i}`))), rstStream(id, NGHTTP2_CANCEL));
    }
    raw.write(Buffer.concat(burst));
    expect(await raw.goaway()).toBe(NGHTTP2_ENHANCE_YOUR_CALM);
    await until(() => raw.closed);
    await stillServed();
    expect(lb.metrics()).toMatch(/lb_http2_sessions_refused_total\{reason="rapid_reset"\} 1\n/);
    // A stream reset in the same read as its HEADERS never reaches the request path, let alone a backend.
    expect(backend.requests.length).toBeLessThan(50);
  });

  it('closes a session that keeps sending malformed streams', async () => {
    const { lb, port, stillServed } = await setUp();
    const raw = await RawH2.open(port);
    const burst: Buffer[] = [];
    for (let i = 0; i < 300; i++) burst.push(headers(1 + 2 * i, block([...getFields(), ['X-Upper', 'v']])));
    raw.write(Buffer.concat(burst));
    // Node closes it after 100 invalid frames, with its own GOAWAY code.
    expect(await raw.goaway()).toBeGreaterThan(0);
    await until(() => raw.closed);
    await stillServed();
    expect(lb.metrics()).toMatch(/lb_http2_sessions_refused_total\{reason="malformed"\} 1\n/);
  });

  it('advertises 100 concurrent streams and resets the stream of a client that opens more', async () => {
    const hold = await startBackend('hold', () => {});
    const { stillServed } = await setUp();
    const { port } = await startBalancer([hold.backend], { http2: true });
    const raw = await RawH2.open(port);
    // Wait for the server's SETTINGS, which carry the limit, as a client would.
    const serverSettings = await raw.waitFor((f) => f.type === FrameType.SETTINGS && f.flags === 0);
    const entries = new Map<number, number>();
    for (let i = 0; i + 6 <= (serverSettings?.payload.length ?? 0); i += 6)
      entries.set(serverSettings!.payload.readUInt16BE(i), serverSettings!.payload.readUInt32BE(i + 2));
    expect(entries.get(3)).toBe(100);
    raw.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
    const burst: Buffer[] = [];
    for (let i = 0; i < 101; i++) burst.push(headers(1 + 2 * i, block(getFields(`/c/${i}`))));
    raw.write(Buffer.concat(burst));
    // RFC 9113 §5.1.2: a stream error. The client acknowledged the limit, so it is PROTOCOL_ERROR (counted
    // towards the session's abuse limit), not REFUSED_STREAM; the 100 streams within it go on.
    expect(await raw.reset(201)).toBe(NGHTTP2_PROTOCOL_ERROR);
    await until(() => hold.requests.length === 100);
    expect(raw.frames.some((f) => f.type === FrameType.HEADERS && f.stream === 201)).toBe(false);
    expect(hold.requests.some((req) => req.url === '/c/100')).toBe(false);
    await stillServed();
  });

  it('survives SETTINGS and PING floods from a client that does not read', async () => {
    const { port, stillServed } = await setUp();
    const raw = await RawH2.open(port);
    raw.socket.pause();
    const ping = frame(FrameType.PING, 0, 0, Buffer.alloc(8));
    const one = Buffer.concat([settings([[4, 65535]]), ping]);
    const flood = Buffer.concat(Array.from({ length: 20_000 }, () => one));
    for (let i = 0; i < 10 && !raw.socket.destroyed; i++) raw.write(flood);
    await until(() => raw.socket.destroyed || raw.closed, 20_000);
    await stillServed();
  });

  it('refuses an HPACK bomb: a large field indexed once and repeated from the table', async () => {
    const { port, stillServed } = await setUp();
    const raw = await RawH2.open(port);
    const big = 'x'.repeat(4000);
    const bomb = Buffer.concat([
      block(getFields()),
      indexedLiteral('x-bomb', big),
      ...Array.from({ length: 2000 }, () => indexed(62)),
    ]);
    raw.write(headers(1, bomb));
    const outcome = await Promise.race([raw.reset(1), raw.goaway()]);
    expect(outcome).toBeDefined();
    await stillServed();
  });

  it('refuses a header list past maxHeaderSize sent across CONTINUATION frames', async () => {
    const { backend, port, stillServed } = await setUp();
    const raw = await RawH2.open(port);
    const fields = block([
      ...getFields('/huge'),
      ...Array.from({ length: 60 }, (_, i) => [`x-f${i}`, 'y'.repeat(1000)] as [string, string]),
    ]);
    const parts: Buffer[] = [frame(FrameType.HEADERS, Flag.END_STREAM, 1, fields.subarray(0, 16_000))];
    for (let at = 16_000; at < fields.length; at += 16_000) {
      const end = Math.min(fields.length, at + 16_000);
      parts.push(
        frame(
          FrameType.CONTINUATION,
          end === fields.length ? Flag.END_HEADERS : 0,
          1,
          fields.subarray(at, end),
        ),
      );
    }
    raw.write(Buffer.concat(parts));
    // Node answers 431 itself (`:status` as a literal with the static name index 8).
    const response = await raw.waitFor((f) => f.type === FrameType.HEADERS && f.stream === 1);
    expect(response?.payload.includes(Buffer.from('431'))).toBe(true);
    await stillServed();
    expect(backend.requests.some((req) => req.url === '/huge')).toBe(false);
  });

  it('closes a session on invalid frames', async () => {
    const { port, stillServed } = await setUp();
    for (const bad of [
      frame(FrameType.DATA, 0, 0, Buffer.from('on stream zero')),
      frame(FrameType.SETTINGS, 0, 1, Buffer.alloc(6)),
      frame(FrameType.PING, 0, 0, Buffer.alloc(3)),
      frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(4)),
      frame(FrameType.HEADERS, Flag.END_HEADERS, 2, literal(':method', 'GET')),
      frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, Buffer.alloc(1)),
    ]) {
      const raw = await RawH2.open(port);
      raw.write(bad);
      expect(await raw.goaway()).toBeGreaterThan(0);
      raw.socket.destroy();
    }
    // An unknown frame type must be ignored (§4.1): a PING after it is answered.
    const raw = await RawH2.open(port);
    raw.write(
      Buffer.concat([frame(0xfe, 0, 0, Buffer.from('?')), frame(FrameType.PING, 0, 0, Buffer.alloc(8, 7))]),
    );
    const pong = await raw.waitFor((f) => f.type === FrameType.PING && f.flags === Flag.ACK);
    expect(pong?.payload).toEqual(Buffer.alloc(8, 7));
    await stillServed();
  }, 30_000);
});
