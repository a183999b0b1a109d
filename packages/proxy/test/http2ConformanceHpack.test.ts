import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, rawBackend, startBalancer } from './helpers.js';
import { answerTo, conformanceBalancer, connectionError, streamError } from './http2Conformance.js';
import {
  block,
  data,
  getFields,
  headers,
  huffmanLiteral,
  indexed,
  indexedLiteral,
  literal,
  RawH2,
  tableSizeUpdate,
} from './http2Frames.js';

/**
 * Field blocks (RFC 7541, RFC 9113 §4.3) and the HTTP message rules of RFC 9113 §8.1 that `http2Attacks.test.ts`
 * does not cover: trailers and content-length. Outcomes as the RFC permits them (see `http2Conformance.ts`).
 */

let port = 0;
beforeAll(async () => {
  port = (await conformanceBalancer()).port;
});
afterAll(cleanup);

/** A literal string of `bytes` marked Huffman-coded, whatever they are. */
function huffmanString(bytes: number[]): Buffer {
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A request whose `x-h` field value is the Huffman string `bytes`. */
function withHuffmanValue(bytes: number[]): Buffer {
  return Buffer.concat([
    block(getFields()),
    Buffer.from([0]),
    Buffer.from([3]),
    Buffer.from('x-h'),
    huffmanString(bytes),
  ]);
}

/** A POST's request head, its body to follow. */
function post(stream: number, extra: [string, string][] = []): Buffer {
  const fields = getFields('/post');
  fields[0] = [':method', 'POST'];
  return headers(stream, block([...fields, ...extra]), false);
}

describe('RFC 7541 HPACK', () => {
  it('serves a request whose fields are all Huffman-coded', async () => {
    const client = await RawH2.handshake(port);
    const fields = getFields('/huffman').map(([n, v]) => huffmanLiteral(n, v));
    client.write(headers(1, Buffer.concat(fields)));
    expect(await client.response(1)).toEqual({ status: 200, body: 'served GET /huffman' });
  });

  it('serves a field added to the dynamic table, then one referring to it by index', async () => {
    const client = await RawH2.handshake(port);
    const fields = getFields().filter(([n]) => n !== ':path');
    client.write(headers(1, Buffer.concat([block(fields), indexedLiteral(':path', '/dynamic')])));
    expect(await client.response(1)).toMatchObject({ status: 200, body: 'served GET /dynamic' });
    client.write(headers(3, Buffer.concat([block(fields), indexed(62)])));
    expect(await client.response(3)).toMatchObject({ status: 200, body: 'served GET /dynamic' });
  });

  it('refuses a malformed field each time a block refers to its dynamic-table entry, and serves the good ones', async () => {
    // The decoder checks a field once, when it enters the table: a later reference by index must not pass it.
    const client = await RawH2.handshake(port);
    const fields = block(getFields());
    client.write(
      headers(1, Buffer.concat([fields, indexedLiteral('x-upper', 'ok'), indexedLiteral('X-Upper', 'v')])),
    );
    expect(streamError('PROTOCOL_ERROR', 1)).toContain(await client.outcome(1));
    client.write(headers(3, Buffer.concat([fields, indexed(62)])));
    expect(streamError('PROTOCOL_ERROR', 3)).toContain(await client.outcome(3));
    client.write(headers(5, Buffer.concat([fields, indexedLiteral('x-ctl', 'a\u0001b')])));
    expect(streamError('PROTOCOL_ERROR', 5)).toContain(await client.outcome(5));
    client.write(headers(7, Buffer.concat([fields, indexed(62)])));
    expect(streamError('PROTOCOL_ERROR', 7)).toContain(await client.outcome(7));
    // x-upper: ok is now the third entry, and well-formed.
    client.write(headers(9, Buffer.concat([fields, indexed(64)])));
    expect(await client.response(9)).toMatchObject({ status: 200 });
  });

  it('serves a block opening with a table size update to 0', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, Buffer.concat([tableSizeUpdate(0), block(getFields())])));
    expect(await client.response(1)).toMatchObject({ status: 200 });
  });

  const errors: [string, Buffer][] = [
    ['an index beyond the tables', Buffer.concat([block(getFields()), indexed(70)])],
    ['an index of 0', Buffer.concat([block(getFields()), indexed(0)])],
    [
      'a table size update above SETTINGS_HEADER_TABLE_SIZE',
      Buffer.concat([tableSizeUpdate(8192), block(getFields())]),
    ],
    [
      'a table size update after a field',
      Buffer.concat([literal('x-a', 'v'), tableSizeUpdate(100), block(getFields())]),
    ],
    ['Huffman padding that is not the top bits of EOS', withHuffmanValue([0x18])],
    ['Huffman padding longer than 7 bits', withHuffmanValue([0x1f, 0xff])],
    ['the EOS symbol in a Huffman string', withHuffmanValue([0xff, 0xff, 0xff, 0xff])],
    [
      'a string longer than the block',
      Buffer.concat([block(getFields()), Buffer.from([0, 3]), Buffer.from('x-h'), Buffer.from([10, 0x61])]),
    ],
  ];
  it.each(errors)('treats %s as a connection error COMPRESSION_ERROR', async (_name, fieldBlock) => {
    expect(connectionError('COMPRESSION_ERROR')).toContain(await answerTo(port, headers(1, fieldBlock)));
  });

  it('treats a reference to an entry the table evicted as a connection error COMPRESSION_ERROR', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, Buffer.concat([block(getFields()), indexedLiteral('x-kept', 'v')])));
    expect(await client.response(1)).toMatchObject({ status: 200 });
    client.write(headers(3, Buffer.concat([tableSizeUpdate(0), block(getFields()), indexed(62)])));
    expect(connectionError('COMPRESSION_ERROR')).toContain(await client.outcome());
  });
});

describe('RFC 9113 §8.1 trailers, content-length and field sections', () => {
  it('serves a request with trailers', async () => {
    const client = await RawH2.handshake(port);
    client.write(Buffer.concat([post(1), data(1, 'body', false), headers(1, block([['x-trailer', 'v']]))]));
    expect(await client.response(1)).toMatchObject({ status: 200, body: 'served POST /post' });
  });

  const malformed: [string, Buffer][] = [
    [
      'trailers without END_STREAM',
      Buffer.concat([post(1), data(1, 'body', false), headers(1, block([['x-t', 'v']]), false)]),
    ],
    [
      'a pseudo-header in trailers',
      Buffer.concat([post(1), data(1, 'body', false), headers(1, block([[':path', '/t']]))]),
    ],
    [
      'a second HEADERS that is not trailers',
      Buffer.concat([post(1), headers(1, block([['x-second', 'v']]), false)]),
    ],
    ['content-length 5 and no DATA', headers(1, block([...getFields(), ['content-length', '5']]))],
  ];
  it.each(malformed)(
    'treats a request with %s as malformed: stream error PROTOCOL_ERROR',
    async (_n, bytes) => {
      expect(streamError('PROTOCOL_ERROR', 1)).toContain(await answerTo(port, bytes, 1));
    },
  );

  it('never sends more DATA than the content-length of the response it forwards', async () => {
    const long = await rawBackend('long', 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n1234567890', {
      close: true,
    });
    const balancer = await startBalancer([long.backend], { http2: true });
    const client = await RawH2.handshake(balancer.port);
    client.write(headers(1, block(getFields('/long'))));
    const outcome = await client.response(1);
    if (typeof outcome !== 'string') expect(outcome).toEqual({ status: 200, body: '12345' });
    else expect(outcome).toMatch(/^RST_STREAM \S+ on stream 1$/);
  });
});
