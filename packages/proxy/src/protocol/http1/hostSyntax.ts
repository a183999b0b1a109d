import { isIPv6 } from 'node:net';

/**
 * The characters of an RFC 3986 reg-name (unreserved and sub-delims; `%` is checked for its two hex digits
 * apart). An IPv4 address is made of them too, so it needs no rule of its own.
 */
const regNameChar = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=%")
  regNameChar[c.charCodeAt(0)] = 1;

const COLON = 0x3a;
const PERCENT = 0x25;
const OPEN_BRACKET = 0x5b;

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function isRegName(text: string, to: number): boolean {
  if (to === 0) return false;
  for (let i = 0; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || regNameChar[c] !== 1) return false;
    if (c === PERCENT && !(isHexDigit(text.charCodeAt(i + 1)) && isHexDigit(text.charCodeAt(i + 2))))
      return false;
  }
  return true;
}

/** `port = 1*5DIGIT` up to 65535; an empty port after `:` is refused, as no client has a reason to send one. */
function isPort(text: string, from: number): boolean {
  const length = text.length - from;
  if (length < 1 || length > 5) return false;
  let port = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    port = port * 10 + (c - 0x30);
  }
  return port <= 65_535;
}

/**
 * Whether `value` is a `Host` value a backend can route on (RFC 9110 §7.2): `uri-host [ ":" port ]`, where the
 * host is a non-empty reg-name or IPv4 address, or an IPv6 literal in brackets. Userinfo, a path, whitespace,
 * an IPvFuture or zone identifier and a port above 65535 are all refused: each is a way to make the balancer
 * and a backend disagree on the host.
 */
export function isValidHost(value: string): boolean {
  if (value.charCodeAt(0) === OPEN_BRACKET) {
    const close = value.indexOf(']');
    if (close === -1 || !isIPv6(value.slice(1, close)) || value.includes('%')) return false;
    if (close + 1 === value.length) return true;
    return value.charCodeAt(close + 1) === COLON && isPort(value, close + 2);
  }
  const colon = value.indexOf(':');
  if (colon === -1) return isRegName(value, value.length);
  return isRegName(value, colon) && isPort(value, colon + 1);
}
