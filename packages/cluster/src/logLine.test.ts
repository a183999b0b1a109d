import { describe, expect, it } from 'vitest';
import { formatLogLine } from './logLine.js';

const source = { workerId: 2, pid: 123, stream: 'stdout' as const };
const now = new Date('2026-01-01T00:00:00.000Z');

describe('formatLogLine', () => {
  it('prefixes with the worker id', () => {
    expect(formatLogLine('hello', source, 'prefix')).toBe('[worker 2] hello');
  });

  it('passes lines through with inherit', () => {
    expect(formatLogLine('hello', source, 'inherit')).toBe('hello');
  });

  it('wraps plain text in a JSON line', () => {
    expect(JSON.parse(formatLogLine('hi "there"', source, 'json', now))).toEqual({
      time: '2026-01-01T00:00:00.000Z',
      worker: 2,
      pid: 123,
      stream: 'stdout',
      msg: 'hi "there"',
    });
  });

  it('merges a JSON object line (pino, bunyan) instead of nesting it', () => {
    const line = formatLogLine('{"level":30,"msg":"up"}', { ...source, stream: 'stderr' }, 'json', now);
    expect(JSON.parse(line)).toMatchObject({ level: 30, msg: 'up', worker: 2, stream: 'stderr' });
  });

  it('treats JSON that is not an object as text', () => {
    expect(JSON.parse(formatLogLine('[1,2]', source, 'json', now)).msg).toBe('[1,2]');
    expect(JSON.parse(formatLogLine('{broken', source, 'json', now)).msg).toBe('{broken');
  });
});
