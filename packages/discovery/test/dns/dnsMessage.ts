import { isIPv6 } from 'node:net';

/** Record types the test server speaks. */
export const RecordType = { A: 1, AAAA: 28, SRV: 33 } as const;

/** Response codes the test server sends. */
export const Rcode = { noError: 0, serverFailure: 2, nameError: 3 } as const;

/** One question of a DNS message. */
interface Question {
  readonly name: string;
  readonly type: number;
}

/** A resource record with its data decoded for A, AAAA and SRV. */
export type ResourceRecord = { readonly name: string; readonly ttl: number } & (
  | { readonly type: 1 | 28; readonly address: string }
  | {
      readonly type: 33;
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: string;
    }
);

/** A DNS message, as much of it as the tests need (RFC 1035 §4.1). */
export interface DnsMessage {
  readonly id: number;
  readonly response: boolean;
  readonly recursionDesired: boolean;
  readonly rcode: number;
  readonly questions: readonly Question[];
  readonly answers: readonly ResourceRecord[];
}

function encodeName(name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l.length > 0);
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])),
    Buffer.from([0]),
  ]);
}

function encodeAddress(address: string): Buffer {
  if (!isIPv6(address)) return Buffer.from(address.split('.').map(Number));
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

function encodeRecord(record: ResourceRecord): Buffer {
  const rdata =
    record.type === 33
      ? Buffer.concat([
          Buffer.from([
            record.priority >> 8,
            record.priority & 255,
            record.weight >> 8,
            record.weight & 255,
            record.port >> 8,
            record.port & 255,
          ]),
          encodeName(record.target),
        ])
      : encodeAddress(record.address);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(record.type, 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt32BE(record.ttl, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(record.name), fixed, rdata]);
}

/** Encodes a message; names are written in full (no compression), which every decoder accepts. */
export function encodeMessage(message: DnsMessage): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(message.id, 0);
  const flags =
    (message.response ? 0x8400 | 0x0080 : 0) | (message.recursionDesired ? 0x0100 : 0) | message.rcode;
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(message.questions.length, 4);
  header.writeUInt16BE(message.answers.length, 6);
  const questions = message.questions.map((q) => {
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(q.type, 0);
    tail.writeUInt16BE(1, 2);
    return Buffer.concat([encodeName(q.name), tail]);
  });
  return Buffer.concat([header, ...questions, ...message.answers.map(encodeRecord)]);
}

/** Reads a possibly compressed name at `offset`; returns it and the offset just past it. */
function decodeName(buf: Buffer, offset: number): [string, number] {
  const labels: string[] = [];
  let at = offset;
  let end: number | undefined;
  for (let jumps = 0; jumps < 64; jumps++) {
    const len = buf.readUInt8(at);
    if (len === 0) return [labels.join('.'), end ?? at + 1];
    if ((len & 0xc0) === 0xc0) {
      end ??= at + 2;
      at = buf.readUInt16BE(at) & 0x3fff;
      continue;
    }
    labels.push(buf.toString('ascii', at + 1, at + 1 + len));
    at += 1 + len;
  }
  throw new Error('DNS name has too many compression pointers');
}

function decodeAddress(data: Buffer): string {
  if (data.length === 4) return [...data].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(data.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/** Decodes a message; records of other types than A, AAAA and SRV are skipped. */
export function decodeMessage(buf: Buffer): DnsMessage {
  const flags = buf.readUInt16BE(2);
  const qdcount = buf.readUInt16BE(4);
  const ancount = buf.readUInt16BE(6);
  let at = 12;
  const questions: Question[] = [];
  for (let i = 0; i < qdcount; i++) {
    const [name, next] = decodeName(buf, at);
    questions.push({ name, type: buf.readUInt16BE(next) });
    at = next + 4;
  }
  const answers: ResourceRecord[] = [];
  for (let i = 0; i < ancount; i++) {
    const [name, next] = decodeName(buf, at);
    const type = buf.readUInt16BE(next);
    const ttl = buf.readUInt32BE(next + 4);
    const length = buf.readUInt16BE(next + 8);
    const start = next + 10;
    const data = buf.subarray(start, start + length);
    if (type === 1 || type === 28) answers.push({ name, ttl, type, address: decodeAddress(data) });
    if (type === 33) {
      const [target] = decodeName(buf, start + 6);
      answers.push({
        name,
        ttl,
        type,
        priority: data.readUInt16BE(0),
        weight: data.readUInt16BE(2),
        port: data.readUInt16BE(4),
        target,
      });
    }
    at = start + length;
  }
  return {
    id: buf.readUInt16BE(0),
    response: (flags & 0x8000) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    rcode: flags & 0x000f,
    questions,
    answers,
  };
}
