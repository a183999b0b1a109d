import { describe, expect, it } from 'vitest';
import { type ResponseHead, ResponseParseError, ResponseParser } from './responseParser.js';

interface Parsed {
  info: number[];
  head: ResponseHead | undefined;
  body: string;
  trailers: string[] | undefined;
  keepAlive: boolean | undefined;
}

function parse(chunks: string[], options: { head?: boolean; close?: boolean } = {}): Parsed {
  const out: Parsed = { info: [], head: undefined, body: '', trailers: undefined, keepAlive: undefined };
  const parser = new ResponseParser({
    onInformation: (status) => out.info.push(status),
    onHead: (head) => {
      out.head = head;
    },
    onBody: (chunk) => {
      out.body += chunk.toString('latin1');
    },
    onComplete: (trailers, keepAlive) => {
      out.trailers = trailers;
      out.keepAlive = keepAlive;
    },
  });
  parser.expect(options.head ?? false);
  for (const chunk of chunks) parser.feed(Buffer.from(chunk, 'latin1'));
  if (options.close) parser.close();
  return out;
}

/** Every split of `text` into two feeds must parse the same as one feed. */
function everySplit(text: string, options: { head?: boolean; close?: boolean } = {}): Parsed {
  const whole = parse([text], options);
  for (let i = 1; i < text.length; i++)
    expect(parse([text.slice(0, i), text.slice(i)], options)).toEqual(whole);
  return whole;
}

const R = 'HTTP/1.1 200 OK\r\n';

describe('ResponseParser: valid responses', () => {
  it('parses a length-framed response, split anywhere', () => {
    const out = everySplit(`${R}Content-Length: 5\r\nX-A:  spaced \r\n\r\nhello`);
    expect(out.head).toMatchObject({
      status: 200,
      reason: 'OK',
      contentLength: 5,
      chunked: false,
      rawHeaders: ['Content-Length', '5', 'X-A', 'spaced'],
    });
    expect(out).toMatchObject({ body: 'hello', trailers: [], keepAlive: true });
  });

  it('parses chunked bodies with extensions and trailers, split anywhere', () => {
    const out = everySplit(
      `${R}Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1 ;x\r\n!\r\n0\r\nX-Sum: 9\r\n\r\n`,
    );
    expect(out.head?.chunked).toBe(true);
    expect(out).toMatchObject({ body: 'hello!', trailers: ['X-Sum', '9'], keepAlive: true });
  });

  it('passes 1xx responses and then the final one', () => {
    const out = everySplit(
      `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n${R}Content-Length: 2\r\n\r\nok`,
    );
    expect(out.info).toEqual([100, 103]);
    expect(out.body).toBe('ok');
  });

  it('accepts an empty reason, obs-text and tabs, and trims only SP and HTAB around values', () => {
    const out = parse(['HTTP/1.0 404 \r\nX-A: \t caf\xe9 \t\r\nX-B:\r\nContent-Length: 0\r\n\r\n']);
    expect(out.head).toMatchObject({
      status: 404,
      reason: '',
      httpVersion: '1.0',
      rawHeaders: ['X-A', 'caf\xe9', 'X-B', '', 'Content-Length', '0'],
    });
  });

  it('gives HEAD, 204 and 304 responses no body whatever they declare', () => {
    expect(parse([`${R}Content-Length: 5\r\n\r\n`], { head: true })).toMatchObject({
      body: '',
      keepAlive: true,
    });
    expect(parse(['HTTP/1.1 204 No Content\r\n\r\n']).trailers).toEqual([]);
    expect(parse(['HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n']).head?.chunked).toBe(
      false,
    );
  });

  it('reads a body without framing until close and never reuses the connection', () => {
    const out = parse([`${R}\r\nbody-until-`, 'close'], { close: true });
    expect(out).toMatchObject({ body: 'body-until-close', keepAlive: false });
  });

  it('honours Connection: close and HTTP/1.0 defaults', () => {
    expect(parse([`${R}Connection: close\r\nContent-Length: 0\r\n\r\n`]).keepAlive).toBe(false);
    expect(parse(['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n']).keepAlive).toBe(false);
    expect(parse(['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n']).keepAlive).toBe(
      true,
    );
  });
});

describe('ResponseParser: everything ambiguous is an error', () => {
  it.each([
    ['S02 unrequested 101', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'],
    ['S04 bytes after a HEAD-less complete body', `${R}Content-Length: 2\r\n\r\nokEXTRA`],
    ['S08 TE with CL', `${R}Transfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n0\r\n\r\n`],
    ['S09 conflicting CL', `${R}Content-Length: 2\r\nContent-Length: 7\r\n\r\nokHELLO`],
    ['duplicate equal CL', `${R}Content-Length: 2\r\nContent-Length: 2\r\n\r\nok`],
    ['S10 CL +2', `${R}Content-Length: +2\r\n\r\nok`],
    ['CL list', `${R}Content-Length: 2, 2\r\n\r\nok`],
    ['S12 chunked, gzip', `${R}Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n`],
    ['S13 chunked, chunked', `${R}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`],
    ['repeated TE', `${R}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ['S14 HTTP/1.0 with TE', 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['S15 obs-fold', `${R}X-A: a\r\n b\r\nContent-Length: 0\r\n\r\n`],
    ['S16 four-digit status', 'HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n'],
    ['S16 one-digit status', 'HTTP/1.1 2 OK\r\nContent-Length: 0\r\n\r\n'],
    ['HTTP/2.0 status line', 'HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ['HTTP/1.2 status line', 'HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ['status with a leading zero', 'HTTP/1.1 020 OK\r\nContent-Length: 0\r\n\r\n'],
    ['status not digits', 'HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n'],
    ['status without the space before the reason', 'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n'],
    ['control character in the reason', 'HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n'],
    ['DEL in value', `${R}X-A: a\x7fb\r\nContent-Length: 0\r\n\r\n`],
    ['separator in a header name', `${R}X(A): 1\r\nContent-Length: 0\r\n\r\n`],
    ['empty header name', `${R}: 1\r\nContent-Length: 0\r\n\r\n`],
    ['S17 bare LF', 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok'],
    ['S19 space before colon', `${R}Content-Length : 2\r\n\r\nok`],
    ['S20 bare CR', `${R}Foo: Bar\rContent-Length: 2\r\n\r\nok`],
    ['NUL in value', `${R}X-A: a\x00b\r\nContent-Length: 0\r\n\r\n`],
    ['chunk size 0x5', `${R}Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n`],
    ['chunk size overflow', `${R}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF0\r\nhello\r\n0\r\n\r\n`],
    ['chunk size with leading space', `${R}Transfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n`],
    ['chunk spill', `${R}Transfer-Encoding: chunked\r\n\r\n5\r\nhello!!\r\n0\r\n\r\n`],
    ['chunk ended by bare LF', `${R}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n`],
    [
      'S24 glued second response',
      `${R}Content-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled`,
    ],
  ])('%s', (_name, text) => {
    expect(() => parse([text], { close: true })).toThrow(ResponseParseError);
  });

  it.each([
    ['S22 short body', `${R}Content-Length: 10\r\n\r\nhello`],
    ['S23 no last chunk', `${R}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`],
    ['head cut off', `${R}Content-Le`],
  ])('%s then close is an error, never a complete response', (_name, text) => {
    let completed = false;
    const parser = new ResponseParser({
      onInformation() {},
      onHead() {},
      onBody() {},
      onComplete: () => {
        completed = true;
      },
    });
    parser.expect(false);
    parser.feed(Buffer.from(text, 'latin1'));
    expect(() => parser.close()).toThrow(ResponseParseError);
    expect(completed).toBe(false);
  });

  it('rejects a response head above 64 KiB', () => {
    expect(() => parse([`${R}X-Big: ${'a'.repeat(70_000)}`])).toThrow(ResponseParseError);
  });
});

describe('ResponseParser: answers to an upgrade request', () => {
  function upgrade(chunks: string[]): { head: ResponseHead | undefined; rest: string; info: number[] } {
    const out = { head: undefined as ResponseHead | undefined, rest: '', info: [] as number[] };
    const parser = new ResponseParser({
      onInformation: (status) => out.info.push(status),
      onHead: () => {},
      onBody: () => {},
      onComplete: () => {},
      onSwitchingProtocols: (head, rest) => {
        out.head = head;
        out.rest = rest.toString('latin1');
      },
    });
    parser.expect(false, true);
    for (const chunk of chunks) parser.feed(Buffer.from(chunk, 'latin1'));
    return out;
  }

  it('hands over a 101 with the bytes after its head, even across reads and after a 1xx', () => {
    const out = upgrade([
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching',
      ' Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi',
    ]);
    expect(out.info).toEqual([100]);
    expect(out.head).toMatchObject({ status: 101, reason: 'Switching Protocols' });
    expect(out.rest).toBe('\x81\x02hi');
  });

  it.each([
    ['a 101 without Upgrade', 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n'],
    ['a 101 with two Upgrade fields', 'HTTP/1.1 101 X\r\nUpgrade: a\r\nUpgrade: b\r\n\r\n'],
    ['an HTTP/1.0 101', 'HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'],
  ])('rejects %s', (_name, text) => {
    expect(() => upgrade([text])).toThrow(ResponseParseError);
  });
});
