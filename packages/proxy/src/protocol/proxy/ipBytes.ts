const dot = 0x2e;
const colon = 0x3a;

/**
 * Whether the bytes from `start` to `end` are an IPv4 address in the one form `net.isIPv4` accepts: four
 * decimal numbers of at most 255, without leading zeros, separated by dots. Read in place, without a string.
 */
export function isIPv4Bytes(bytes: Uint8Array, start: number, end: number): boolean {
  let at = start;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (at >= end || bytes[at] !== dot) return false;
      at++;
    }
    const from = at;
    let value = 0;
    while (at < end && at - from < 3) {
      const digit = bytes[at]! - 0x30;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
      at++;
    }
    const digits = at - from;
    if (digits === 0 || value > 255 || (digits > 1 && bytes[from] === 0x30)) return false;
  }
  return at === end;
}

/**
 * Whether the bytes from `start` to `end` are an IPv6 address as `net.isIPv6` accepts it, without a zone:
 * groups of one to four hex digits separated by colons, at most one `::` standing for one or more zero groups,
 * and optionally an IPv4 address in place of the last two groups. Read in place, without a string.
 */
export function isIPv6Bytes(bytes: Uint8Array, start: number, end: number): boolean {
  let groups = 0;
  let compressed = false;
  let at = start;
  if (end - at >= 2 && bytes[at] === colon && bytes[at + 1] === colon) {
    compressed = true;
    at += 2;
    if (at === end) return true;
  }
  for (;;) {
    const from = at;
    while (at < end && isHexDigit(bytes[at]!)) at++;
    if (at < end && bytes[at] === dot) {
      // The last field is an IPv4 address: it takes the place of two groups.
      if (!isIPv4Bytes(bytes, from, end)) return false;
      groups += 2;
      break;
    }
    const digits = at - from;
    if (digits === 0 || digits > 4) return false;
    groups++;
    if (at === end) break;
    if (bytes[at] !== colon || ++at === end) return false;
    if (bytes[at] === colon) {
      if (compressed) return false;
      compressed = true;
      if (++at === end) break;
    }
  }
  return compressed ? groups <= 7 : groups === 8;
}

function isHexDigit(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66);
}
