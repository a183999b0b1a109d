import { describe, expect, it } from 'vitest';
import { checkRequestFraming } from './framing.js';

describe('checkRequestFraming', () => {
  it.each([
    [['Content-Length', '5'], { kind: 'length', length: 5 }],
    [['Content-Length', '007'], { kind: 'length', length: 7 }],
    [['Content-Length', '0'], { kind: 'none' }],
    [['Transfer-Encoding', 'Chunked'], { kind: 'chunked' }],
    [['Transfer-Encoding', ', chunked'], { kind: 'chunked' }],
    [[], { kind: 'none' }],
  ])('frames %j as %j', (raw, framing) => {
    expect(checkRequestFraming('1.1', raw)).toEqual({ framing });
  });

  it.each([
    ['1.1', ['Host', 'a', 'host', 'b'], 400],
    ['1.0', ['Transfer-Encoding', 'chunked'], 400],
    ['1.1', ['Transfer-Encoding', 'chunked', 'Content-Length', '3'], 400],
    ['1.1', ['Transfer-Encoding', 'gzip, chunked'], 501],
    ['1.1', ['Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked'], 400],
    ['1.1', ['Transfer-Encoding', 'identity'], 400],
    ['1.1', ['Content-Length', '5', 'Content-Length', '5'], 400],
    ['1.1', ['Content-Length', '-1'], 400],
    ['1.1', ['Content-Length', '1e3'], 400],
  ])('HTTP/%s %j is a %i', (version, raw, status) => {
    const result = checkRequestFraming(version, raw as string[]);
    expect('violation' in result && result.violation.status).toBe(status);
  });
});
