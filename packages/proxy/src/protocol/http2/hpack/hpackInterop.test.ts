import { once } from 'node:events';
import {
  type ClientHttp2Session,
  connect as connectHttp2,
  createServer as createHttp2Server,
} from 'node:http2';
import { type AddressInfo, connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { mulberry32 } from '@lb/strategies';
import { afterEach, describe, expect, it } from 'vitest';
import { HpackDecoder } from './hpackDecoder.js';
import { encodeFieldBlock, HpackEncoder } from './hpackEncoder.js';

// Our codec against nghttp2 (inside node:http2) in both directions, over real loopback connections, with the
// frames around the field blocks written and read by hand here (RFC 9113 §4.1, §6.2, §6.5, §6.10).

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const HEADERS = 1;
const SETTINGS = 4;
const CONTINUATION = 9;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
const MAX_FRAME = 16_384;

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** A field block as HEADERS then CONTINUATION frames of at most 16 KiB (the default SETTINGS_MAX_FRAME_SIZE). */
function headerFrames(stream: number, block: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at === 0 || at < block.length; at += MAX_FRAME) {
    const last = at + MAX_FRAME >= block.length;
    const type = at === 0 ? HEADERS : CONTINUATION;
    const flags = (last ? END_HEADERS : 0) | (at === 0 ? END_STREAM : 0);
    parts.push(frame(type, flags, stream, block.subarray(at, at + MAX_FRAME)));
  }
  return Buffer.concat(parts);
}

/** Reads frames from a socket as they complete, after the client preface when `preface` is set. */
function onFrames(
  socket: Socket,
  preface: boolean,
  handle: (type: number, flags: number, stream: number, payload: Buffer) => void,
): void {
  let pending = Buffer.alloc(0);
  let prefaceLeft = preface ? PREFACE.length : 0;
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    if (prefaceLeft > 0) {
      if (pending.length < prefaceLeft) return;
      expect(pending.subarray(0, prefaceLeft)).toEqual(PREFACE);
      pending = pending.subarray(prefaceLeft);
      prefaceLeft = 0;
    }
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3);
      if (pending.length < 9 + length) return;
      const stream = pending.readUInt32BE(5) & 0x7fffffff;
      handle(pending[3]!, pending[4]!, stream, pending.subarray(9, 9 + length));
      pending = pending.subarray(9 + length);
    }
  });
}

/** A seeded pick of `0 … count - 1` (mulberry32): the same fields every run, and a failure can be replayed. */
function random(seed: number): (count: number) => number {
  const next = mulberry32(seed);
  return (count) => Math.floor(next() * count);
}

const nameChars = 'abcdefghijklmnopqrstuvwxyz0123456789-_';
/** Visible ASCII and spaces, no space at either end (RFC 9113 §8.2.1). */
function randomValue(pick: (count: number) => number, length: number): string {
  let value = '';
  for (let i = 0; i < length; i++) value += String.fromCharCode(0x20 + pick(95));
  return value.trim();
}
/** Each regular field name of a list with its first value, pseudo-headers left out. */
function firstValues(fields: readonly string[]): Map<string, string> {
  const first = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) {
    if (!fields[i]!.startsWith(':') && !first.has(fields[i]!)) first.set(fields[i]!, fields[i + 1]!);
  }
  return first;
}

function randomName(pick: (count: number) => number): string {
  let name = 'x-';
  for (let length = 1 + pick(24); length > 0; length--) name += nameChars[pick(nameChars.length)];
  return name;
}

/** Random regular fields: names and values drawn mostly from small pools so they repeat (dynamic table hits). */
function randomFields(
  pick: (count: number) => number,
  names: string[],
  values: string[],
  big: boolean,
): string[] {
  const fields: string[] = [];
  for (let count = pick(40); count > 0; count--) {
    const name = pick(8) === 0 ? randomName(pick) : names[pick(names.length)]!;
    const value = pick(8) === 0 ? randomValue(pick, pick(120)) : values[pick(values.length)]!;
    fields.push(name, value);
  }
  // Some requests bigger than one frame: their blocks come as HEADERS plus CONTINUATION.
  if (big) for (let i = 0; i < 4; i++) fields.push(randomName(pick), randomValue(pick, 6000));
  return fields;
}

const closers: (() => unknown)[] = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

async function listen(server: Server | ReturnType<typeof createHttp2Server>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  return (server.address() as AddressInfo).port;
}

describe('HPACK interop with nghttp2 (node:http2)', () => {
  it('HpackDecoder decodes hundreds of node:http2 requests on one connection; nghttp2 reads our responses', async () => {
    const decoded = new Map<number, string[]>();
    const problems: unknown[] = [];
    let firstBlock: Buffer | undefined;
    /** Blocks that refer to the dynamic table: a decoder that has not seen the blocks before cannot read them. */
    let referring = 0;
    /** The same, of our answers: our encoder's dynamic table at work in nghttp2's decoder. */
    let answersReferring = 0;
    let continuations = 0;
    const server = createServer((socket) => {
      closers.push(() => socket.destroy());
      socket.on('error', () => {});
      socket.write(frame(SETTINGS, 0, 0));
      const decoder = new HpackDecoder();
      const encoder = new HpackEncoder();
      let block: Buffer[] = [];
      let blockStream = 0;
      const finish = (stream: number) => {
        try {
          const joined = Buffer.concat(block);
          firstBlock ??= joined;
          const fields = decoder.decode(joined, 1 << 20);
          if (fields === undefined) throw new Error(`stream ${stream}: field list over the limit`);
          try {
            new HpackDecoder().decode(joined, 1 << 20);
          } catch {
            referring++;
          }
          decoded.set(stream, fields);
          const echo = fields[fields.indexOf('x-seq') + 1] ?? '';
          // Each name's first value comes back as `x-r-<name>`: fields that repeat across answers, so our
          // table adds, finds and evicts entries in nghttp2's decoder.
          const answerFields = [':status', '200', 'content-type', 'text/plain', 'x-echo', echo];
          for (const [name, value] of firstValues(fields)) answerFields.push(`x-r-${name}`, value);
          const room = Buffer.allocUnsafe(encoder.maxBlockSize(answerFields));
          const answer = room.subarray(0, encoder.encode(answerFields, room, 0));
          try {
            new HpackDecoder().decode(answer, 1 << 20);
          } catch {
            answersReferring++;
          }
          // Split where an echoed field is over a frame: the client's SETTINGS_MAX_FRAME_SIZE is the default.
          socket.write(headerFrames(stream, answer));
        } catch (error) {
          problems.push(error);
          socket.destroy();
        }
        block = [];
      };
      onFrames(socket, true, (type, flags, stream, payload) => {
        if (type === SETTINGS && (flags & ACK) === 0) socket.write(frame(SETTINGS, ACK, 0));
        if (type === HEADERS) {
          let start = 0;
          let end = payload.length;
          if (flags & PADDED) {
            end -= payload[0]!;
            start = 1;
          }
          if (flags & PRIORITY) start += 5;
          block = [payload.subarray(start, end)];
          blockStream = stream;
        }
        if (type === CONTINUATION) {
          expect(stream).toBe(blockStream);
          block.push(payload);
          continuations++;
        }
        if ((type === HEADERS || type === CONTINUATION) && flags & END_HEADERS) finish(stream);
      });
    });
    const port = await listen(server);
    const client: ClientHttp2Session = connectHttp2(`http://127.0.0.1:${port}`);
    closers.push(() => client.destroy());
    client.on('error', (error) => problems.push(error));
    await once(client, 'connect');

    const pick = random(2025);
    const names = Array.from({ length: 8 }, () => randomName(pick));
    const values = Array.from({ length: 12 }, () => randomValue(pick, pick(40)));
    const sent = new Map<string, { path: string; fields: string[] }>();
    const requests = 400;
    for (let batch = 0; batch < requests; batch += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const seq = String(batch + i);
          const fields = randomFields(pick, names, values, (batch + i) % 50 === 7);
          const path = `/${randomValue(pick, pick(60)).replace(/[^A-Za-z0-9]/g, '')}?seq=${seq}`;
          sent.set(seq, { path, fields: ['x-seq', seq, ...fields] });
          // An object keeps one key per name: a repeated name becomes an array, sent as one field per value.
          const headers: Record<string, string | string[]> = { ':path': path, 'x-seq': seq };
          for (let f = 0; f < fields.length; f += 2) {
            const had = headers[fields[f]!];
            headers[fields[f]!] =
              had === undefined ? fields[f + 1]! : [...(Array.isArray(had) ? had : [had]), fields[f + 1]!];
          }
          const request = client.request(headers, { endStream: true });
          const [response] = (await once(request, 'response')) as [Record<string, string>];
          expect(response[':status']).toBe(200);
          expect(response['content-type']).toBe('text/plain');
          expect(response['x-echo']).toBe(seq);
          for (const [name, value] of firstValues(['x-seq', seq, ...fields])) {
            expect(response[`x-r-${name}`]).toBe(value);
          }
          request.resume();
          await once(request, 'close');
        }),
      );
    }
    expect(problems).toEqual([]);
    expect(decoded.size).toBe(requests);
    // nghttp2 used what we mean to test: Huffman (the first block's literal name 'x-seq' is not there as
    // written), its dynamic table (most blocks need it) and CONTINUATION frames.
    expect(firstBlock!.includes('x-seq')).toBe(false);
    expect(referring).toBeGreaterThan(requests / 2);
    expect(answersReferring).toBeGreaterThan(requests / 2);
    expect(continuations).toBeGreaterThan(0);
    for (const fields of decoded.values()) {
      const seq = fields[fields.indexOf('x-seq') + 1]!;
      const expected = sent.get(seq)!;
      const pseudo = new Map<string, string>();
      const regular: string[] = [];
      for (let i = 0; i < fields.length; i += 2) {
        if (fields[i]!.startsWith(':')) pseudo.set(fields[i]!, fields[i + 1]!);
        else regular.push(fields[i]!, fields[i + 1]!);
      }
      expect(Object.fromEntries(pseudo)).toEqual({
        ':method': 'GET',
        ':path': expected.path,
        ':scheme': 'http',
        ':authority': `127.0.0.1:${port}`,
      });
      // Same multiset of fields, each name's values in the order sent (node groups a name's values together).
      const byName = (list: string[]) => {
        const map = new Map<string, string[]>();
        for (let i = 0; i < list.length; i += 2)
          map.set(list[i]!, [...(map.get(list[i]!) ?? []), list[i + 1]!]);
        return Object.fromEntries(map);
      };
      expect(byName(regular)).toEqual(byName(expected.fields));
    }
  }, 60_000);

  it('node:http2 decodes our encodeFieldBlock blocks as sent, CONTINUATION and all', async () => {
    const requests = 300;
    const received = new Map<number, string[]>();
    const server = createHttp2Server({ maxHeaderListPairs: 200 });
    const allDone = new Promise<void>((resolve) => {
      // Node passes the fields as received in a fourth argument its types do not name.
      server.on('stream', (stream, _headers, _flags, ...rest: unknown[]) => {
        received.set(stream.id!, rest[0] as string[]);
        stream.respond({ ':status': 204 });
        stream.end();
        if (received.size === requests) resolve();
      });
    });
    const serverErrors: unknown[] = [];
    server.on('sessionError', (error) => serverErrors.push(error));
    const port = await listen(server);

    const socket = connectTcp(port, '127.0.0.1');
    closers.push(() => socket.destroy());
    socket.on('error', (error) => serverErrors.push(error));
    await once(socket, 'connect');
    onFrames(socket, false, (type, flags) => {
      if (type === SETTINGS && (flags & ACK) === 0) socket.write(frame(SETTINGS, ACK, 0));
    });
    socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0)]));

    const pick = random(7541);
    const names = Array.from({ length: 30 }, () => randomName(pick));
    const values = Array.from({ length: 60 }, () => randomValue(pick, pick(80)));
    const sent = new Map<number, string[]>();
    for (let i = 0; i < requests; i++) {
      const stream = 1 + 2 * i;
      const fields = [
        ':method',
        i % 2 === 0 ? 'GET' : 'POST',
        ':scheme',
        'http',
        ':path',
        i % 3 === 0 ? '/' : `/item/${i}`,
        ':authority',
        'localhost',
        'accept-encoding',
        i % 2 === 0 ? 'gzip, deflate' : 'br',
        'user-agent',
        'lb-test',
        // Bytes 0x80-0xff are written as latin1 and read back as the same characters.
        'x-latin1',
        'caf\u00e9 \u00ff\u0080',
        ...randomFields(pick, names, values, i % 40 === 5),
      ];
      sent.set(stream, fields);
      socket.write(headerFrames(stream, encodeFieldBlock(fields)));
    }
    await allDone;
    expect(serverErrors).toEqual([]);
    for (const [stream, fields] of sent) expect(received.get(stream)).toEqual(fields);
  }, 60_000);
});
