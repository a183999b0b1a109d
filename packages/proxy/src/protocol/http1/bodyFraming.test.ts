import { describe, expect, it } from 'vitest';
import { bodyFraming } from './bodyFraming.js';

describe('bodyFraming, shared by requests and responses', () => {
  it.each([
    [['Content-Length', '12'], { kind: 'length', length: 12 }],
    [['Transfer-Encoding', 'chunked'], { kind: 'chunked' }],
    [['transfer-encoding', 'Chunked'.toLowerCase()], { kind: 'chunked' }],
    [['X-Other', 'y'], { kind: 'unframed' }],
  ])('reads %j', (raw, expected) => {
    expect(bodyFraming('1.1', raw)).toEqual(expected);
  });

  it.each([
    [['Transfer-Encoding', 'chunked', 'Content-Length', '3'], 'Content-Length with Transfer-Encoding', false],
    [['Transfer-Encoding', 'gzip, chunked'], 'unsupported Transfer-Encoding gzip, chunked', true],
    [
      ['Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked'],
      'unsupported Transfer-Encoding chunked, chunked',
      false,
    ],
    [['Transfer-Encoding', 'identity'], 'unsupported Transfer-Encoding identity', false],
    [['Content-Length', '1', 'Content-Length', '1'], 'repeated Content-Length', false],
    [['Content-Length', '+1'], 'invalid Content-Length', false],
    [['Content-Length', '1234567890123456'], 'invalid Content-Length', false],
  ])('refuses %j', (raw, reason, unsupportedCoding) => {
    expect(bodyFraming('1.1', raw)).toEqual({ kind: 'invalid', reason, unsupportedCoding });
  });

  it('refuses Transfer-Encoding on HTTP/1.0', () => {
    expect(bodyFraming('1.0', ['Transfer-Encoding', 'chunked'])).toMatchObject({ kind: 'invalid' });
  });
});
