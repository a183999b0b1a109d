// HPACK integers (RFC 7541 §5.1) as the encoder writes them: the value fits the N-bit prefix of the first byte,
// or the prefix is all ones and the rest follows 7 bits per byte, least significant first.

/** Writes `value` with an N-bit prefix at `pos`, the first byte's other bits taken from `mask`; returns the end. */
export function writeInteger(
  out: Buffer,
  pos: number,
  value: number,
  prefixBits: number,
  mask: number,
): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[pos] = mask | value;
    return pos + 1;
  }
  out[pos++] = mask | max;
  let rest = value - max;
  for (; rest >= 128; rest = Math.floor(rest / 128)) out[pos++] = (rest % 128) | 128;
  out[pos] = rest;
  return pos + 1;
}
