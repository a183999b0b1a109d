import { describe, expect, it } from 'vitest';
import { clipGrpcMessage, decodeGrpcMessage, encodeGrpcMessage } from './grpcMessage.js';

describe('grpc-message percent-encoding', () => {
  it('leaves printable ASCII as it is, except %', () => {
    expect(encodeGrpcMessage('no backend is available')).toBe('no backend is available');
    expect(encodeGrpcMessage('100% sure')).toBe('100%25 sure');
    expect(encodeGrpcMessage(' ~')).toBe(' ~');
  });

  it('encodes control characters and UTF-8 bytes as upper-case %XX', () => {
    expect(encodeGrpcMessage('a\nb\t\u007f')).toBe('a%0Ab%09%7F');
    expect(encodeGrpcMessage('café')).toBe('caf%C3%A9');
    expect(encodeGrpcMessage('😀')).toBe('%F0%9F%98%80');
  });

  it('round-trips any text', () => {
    for (const text of ['', '%', '%%41', 'a%2', 'ü\r\n\u0000', '日本語 % done', '\ud83d\ude00x']) {
      expect(decodeGrpcMessage(encodeGrpcMessage(text))).toBe(text);
    }
  });

  it('decodes leniently: broken escapes stay, invalid UTF-8 becomes U+FFFD, nothing throws', () => {
    expect(decodeGrpcMessage('caf%c3%a9')).toBe('café');
    expect(decodeGrpcMessage('50%')).toBe('50%');
    expect(decodeGrpcMessage('50%2')).toBe('50%2');
    expect(decodeGrpcMessage('%zz%41')).toBe('%zzA');
    expect(decodeGrpcMessage('%FF')).toBe('\ufffd');
    expect(decodeGrpcMessage('%C3')).toBe('\ufffd');
    expect(decodeGrpcMessage('plain')).toBe('plain');
  });
});

describe('clipGrpcMessage', () => {
  it('keeps a message that fits and clips one that does not, on whole characters', () => {
    expect(clipGrpcMessage('short')).toBe('short');
    expect(clipGrpcMessage('x'.repeat(1024))).toBe('x'.repeat(1024));
    const clipped = clipGrpcMessage('x'.repeat(1025));
    expect(clipped).toBe(`${'x'.repeat(1015)}…`);
    expect(encodeGrpcMessage(clipped).length).toBe(1024);
    for (const text of ['✓'.repeat(500), '😀'.repeat(300), `a${'%'.repeat(600)}`, 'é\r\n'.repeat(400)]) {
      const out = clipGrpcMessage(text, 100);
      expect(encodeGrpcMessage(out).length).toBeLessThanOrEqual(100);
      expect(out.endsWith('…')).toBe(true);
      expect(text.startsWith(out.slice(0, -1))).toBe(true);
      // No half of a surrogate pair is left behind.
      expect(decodeGrpcMessage(encodeGrpcMessage(out))).toBe(out);
    }
  });
});
