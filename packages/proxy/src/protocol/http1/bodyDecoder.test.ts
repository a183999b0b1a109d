import { describe, expect, it } from 'vitest';
import { BodyDecoder } from './bodyDecoder.js';
import { HttpParseError } from './fieldSyntax.js';

interface Decoded {
  body: string;
  trailers: string[] | undefined;
  /** Bytes left after the body, across all feeds. */
  rest: string;
}

/** Feeds `chunks` as a caller would: keeping what `decode` leaves of an incomplete line for the next feed. */
function decodeChunked(chunks: string[]): Decoded {
  const out: Decoded = { body: '', trailers: undefined, rest: '' };
  const decoder = new BodyDecoder(
    {
      onBody: (chunk) => {
        out.body += chunk.toString('latin1');
      },
      onBodyEnd: (trailers) => {
        out.trailers = trailers;
      },
    },
    1024,
  );
  decoder.startChunked();
  let pending = Buffer.alloc(0);
  for (const chunk of chunks) {
    const data = Buffer.concat([pending, Buffer.from(chunk, 'latin1')]);
    const offset = decoder.decode(data, 0);
    pending = data.subarray(offset);
    if (decoder.done) {
      out.rest += pending.toString('latin1');
      pending = Buffer.alloc(0);
    } else {
      decoder.checkPending(pending);
    }
  }
  return out;
}

describe('BodyDecoder', () => {
  const message = '5\r\nhello\r\n6;ext="a b"\r\n world\r\n0\r\nX-Sum: 42\r\n\r\nNEXT';

  it('decodes a chunked body with extensions and trailers, at every split point', () => {
    const whole = decodeChunked([message]);
    expect(whole).toEqual({ body: 'hello world', trailers: ['X-Sum', '42'], rest: 'NEXT' });
    for (let i = 1; i < message.length; i++) {
      expect(decodeChunked([message.slice(0, i), message.slice(i)])).toEqual(whole);
    }
  });

  it.each([
    ['a size with blanks and no extension', '5 \r\nhello\r\n0\r\n\r\n'],
    ['a size of 14 hex digits', `${'F'.repeat(14)}\r\n`],
    ['a non-hex size', '0x5\r\nhello\r\n0\r\n\r\n'],
    ['a chunk longer than its size', '5\r\nhello!!\r\n0\r\n\r\n'],
    ['a chunk ended by bare LF', '5\r\nhello\n0\r\n\r\n'],
    ['a control character in an extension', '5;a=\x01\r\nhello\r\n0\r\n\r\n'],
    ['an obs-folded trailer', '0\r\nX-A: 1\r\n 2\r\n\r\n'],
  ])('refuses %s', (_name, text) => {
    expect(() => decodeChunked([text])).toThrow(HttpParseError);
  });

  it('accepts blanks between a size and its extension (BWS)', () => {
    expect(decodeChunked(['5 ;a=b\r\nhello\r\n0\r\n\r\n']).body).toBe('hello');
  });

  it('refuses an incomplete line longer than its limit, and a bare LF in one', () => {
    expect(() => decodeChunked([`5;${'a'.repeat(2000)}`])).toThrow(/too large/);
    expect(() => decodeChunked([`5;${'a'.repeat(2000)}\r\nhello\r\n0\r\n\r\n`])).toThrow(/too large/);
    expect(() => decodeChunked(['5\n'])).toThrow(/bare LF/);
  });

  it('ends a length-framed body exactly at its length and a close-delimited one at end()', () => {
    const seen: string[] = [];
    const decoder = new BodyDecoder(
      {
        onBody: (chunk, last) => seen.push(`${chunk.toString()}:${last}`),
        onBodyEnd: () => seen.push('end'),
      },
      1024,
    );
    decoder.startLength(5);
    expect(decoder.decode(Buffer.from('helloGET'), 0)).toBe(5);
    expect(seen).toEqual(['hello:true', 'end']);
    decoder.startUntilClose();
    decoder.decode(Buffer.from('abc'), 0);
    expect(decoder.done).toBe(false);
    decoder.end();
    expect(seen.at(-1)).toBe('end');
    decoder.startLength(3);
    expect(() => decoder.end()).toThrow(/before the body was complete/);
  });

  it('delivers the data of every chunk decoded from one read as one piece, however small the chunks', () => {
    const pieces: string[] = [];
    const decoder = new BodyDecoder(
      { onBody: (chunk) => pieces.push(chunk.toString('latin1')), onBodyEnd: () => {} },
      1024,
    );
    decoder.startChunked();
    const first = Buffer.from(`${'1\r\na\r\n'.repeat(500)}3\r\nbcd\r\n2\r\ne`, 'latin1');
    expect(decoder.decode(first, 0)).toBe(first.length);
    expect(decoder.decode(Buffer.from('f\r\n0\r\n\r\n', 'latin1'), 0)).toBe(8);
    expect(pieces).toEqual([`${'a'.repeat(500)}bcde`, 'f']);
  });
});
