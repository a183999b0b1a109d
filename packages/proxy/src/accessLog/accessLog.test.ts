import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AccessLogEntry } from './accessLogEntry.js';
import { AccessLogWriter } from './accessLogWriter.js';
import { formatAccessLog } from './formatAccessLog.js';

const entry: AccessLogEntry = {
  time: Date.UTC(2026, 11, 6, 4, 5, 6),
  client: '203.0.113.9',
  protocol: 'HTTP/1.1',
  method: 'GET',
  target: '/search?q="x"',
  status: 200,
  bytesIn: 0,
  bytesOut: 512,
  route: '0',
  group: 'web',
  backend: 'b1',
  connectMs: 1.2,
  responseMs: 10.5,
  totalMs: 12.25,
  retries: 1,
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  requestId: undefined,
  referer: undefined,
  userAgent: 'curl/8.0 "evil"\n',
};

describe('formatAccessLog', () => {
  it('writes the combined format with the balancer fields, escaping what a client sent', () => {
    expect(formatAccessLog(entry, 'combined')).toBe(
      '203.0.113.9 - - [06/Dec/2026:04:05:06 +0000] "GET /search?q=\\x22x\\x22 HTTP/1.1" 200 512 "-" ' +
        '"curl/8.0 \\x22evil\\x22\\x0a" rt=0.012 uct=0.001 urt=0.011 in=0 route=0 group=web backend=b1 retries=1 ' +
        'trace=4bf92f3577b34da6a3ce929d0e0e4736 rid=-\n',
    );
  });

  it('writes one JSON object per line that parses back', () => {
    const line = formatAccessLog(entry, 'json');
    expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({
      time: '2026-12-06T04:05:06.000Z',
      status: 200,
      userAgent: entry.userAgent,
    });
  });
});

/** A stream that accepts writes but finishes none until released. */
function stalledStream() {
  const writes: string[] = [];
  let release: (() => void) | undefined;
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk, _enc, done) {
      writes.push(String(chunk));
      release = done;
    },
  });
  return { stream, writes, release: () => release?.() };
}

describe('AccessLogWriter', () => {
  it('batches the lines of one tick into one write', async () => {
    const { stream, writes } = stalledStream();
    const writer = new AccessLogWriter(stream, () => {});
    for (let i = 0; i < 100; i++) writer.write(`line ${i}\n`);
    await new Promise(setImmediate);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.split('\n')).toHaveLength(101);
  });

  it('drops and counts lines, instead of growing memory, while the stream is stalled', async () => {
    const { stream, release } = stalledStream();
    const writer = new AccessLogWriter(stream, () => {}, { maxBuffered: 1000 });
    const line = `${'x'.repeat(99)}\n`;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 20; i++) writer.write(line);
      await new Promise(setImmediate);
    }
    expect(stream.writableLength).toBeLessThanOrEqual(1000 + 20 * line.length);
    expect(writer.dropped).toBeGreaterThan(900);
    release();
  });

  it('reports a stream error once and counts what it loses', async () => {
    const errors: Error[] = [];
    const stream = new Writable({ write: (_c, _e, done) => done(new Error('disk full')) });
    const writer = new AccessLogWriter(stream, (err) => errors.push(err));
    writer.write('a\n');
    await new Promise(setImmediate);
    await new Promise(setImmediate);
    writer.write('b\n');
    writer.write('c\n');
    expect(errors.map((e) => e.message)).toEqual(['disk full']);
    expect(writer.dropped).toBe(2);
  });
});
