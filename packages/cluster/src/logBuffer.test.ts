import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LogBuffer } from './logBuffer.js';
import { tapLines } from './logTap.js';

describe('LogBuffer', () => {
  it('keeps the last lines in order once it wraps', () => {
    const buffer = new LogBuffer(3);
    for (const line of ['a', 'b', 'c', 'd', 'e']) buffer.push('stdout', line);
    expect(buffer.recent(10).map((e) => e.line)).toEqual(['c', 'd', 'e']);
    expect(buffer.recent(2).map((e) => e.line)).toEqual(['d', 'e']);
    expect(buffer.recent(0)).toEqual([]);
  });

  it('hands new lines to subscribers until they unsubscribe', () => {
    const buffer = new LogBuffer();
    const seen: string[] = [];
    const off = buffer.subscribe((entry) => seen.push(entry.line));
    buffer.push('stderr', 'one');
    off();
    buffer.push('stderr', 'two');
    expect(seen).toEqual(['one']);
  });

  it('truncates a huge line', () => {
    const buffer = new LogBuffer();
    buffer.push('stdout', 'x'.repeat(100_000));
    expect(buffer.recent(1)[0]?.line.length).toBeLessThan(17_000);
  });
});

describe('tapLines', () => {
  it('passes output through and records whole lines only', () => {
    const sink = new PassThrough();
    let out = '';
    sink.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const buffer = new LogBuffer();
    const tap = tapLines(sink, 'stdout', buffer);
    tap.write('[worker 0] a\n[worker 1] b');
    tap.write('c\n');
    expect(out).toBe('[worker 0] a\n[worker 1] bc\n');
    expect(buffer.recent(5).map((e) => e.line)).toEqual(['[worker 0] a', '[worker 1] bc']);
  });
});
