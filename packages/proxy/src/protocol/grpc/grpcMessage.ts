const hex = '0123456789ABCDEF';

/**
 * Percent-encodes a `grpc-message` value as the gRPC HTTP/2 protocol doc says: the text as UTF-8, each byte
 * outside space to `~` (0x20–0x7E), and `%` itself, written as `%XX` in upper-case hex.
 */
export function encodeGrpcMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    if (byte >= 0x20 && byte <= 0x7e && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${hex[byte >> 4]}${hex[byte & 15]}`;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Decodes a `grpc-message` value. As the spec asks, it never throws nor drops the message: a broken `%`
 * escape stays as written, and bytes that are not valid UTF-8 become U+FFFD.
 */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < value.length) {
      const high = hexValue(value.charCodeAt(i + 1));
      const low = hexValue(value.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        bytes.push((high << 4) | low);
        i += 2;
        continue;
      }
    }
    // Not an escape: the character's own UTF-8 bytes (a header value is Latin-1 text, but be safe).
    for (const byte of Buffer.from(value[i]!, 'utf8')) bytes.push(byte);
  }
  return utf8.decode(Uint8Array.from(bytes));
}

/** Percent-encoded bytes of a `grpc-message` the balancer writes from text it did not make (a hook's answer). */
const MAX_ENCODED_GRPC_MESSAGE = 1024;

/**
 * Shortens `message` (whole characters, ending in `…`) so that its percent-encoded form fits in `limit` bytes:
 * a client refuses a header block past its metadata limit (8 KiB in grpc-js) by resetting the stream, and the
 * status would be lost with it.
 */
export function clipGrpcMessage(message: string, limit = MAX_ENCODED_GRPC_MESSAGE): string {
  if (encodeGrpcMessage(message).length <= limit) return message;
  const ellipsis = encodeGrpcMessage('…').length;
  let used = 0;
  let end = 0;
  for (const char of message) {
    const size = encodeGrpcMessage(char).length;
    if (used + size + ellipsis > limit) break;
    used += size;
    end += char.length;
  }
  return `${message.slice(0, end)}…`;
}
