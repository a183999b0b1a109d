/**
 * xxHash32 (Yann Collet's 32-bit xxHash) over the UTF-8 bytes of a string. It is fast in plain JavaScript
 * (`Math.imul` and 32-bit rotations only), avalanches well, and has published test vectors, which is why the
 * hash strategies use it instead of `node:crypto` (a digest per pick would dominate the pick cost).
 */

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

/** Seed of {@link hashKey}. */
const PRIMARY_SEED = 0;
/** Seed of {@link secondaryHashKey}: any value other than the primary seed gives an independent hash. */
const SECONDARY_SEED = 0x5bd1e995;

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, PRIME2)) | 0, 13), PRIME1);
}

function readU32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function hashBytes(b: Uint8Array, len: number, seed: number): number {
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    const limit = len - 16;
    do {
      v1 = round(v1, readU32(b, i));
      v2 = round(v2, readU32(b, i + 4));
      v3 = round(v3, readU32(b, i + 8));
      v4 = round(v4, readU32(b, i + 12));
      i += 16;
    } while (i <= limit);
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + PRIME5) | 0;
  }
  h = (h + len) | 0;
  for (; i + 4 <= len; i += 4) {
    h = Math.imul(rotl((h + Math.imul(readU32(b, i), PRIME3)) | 0, 17), PRIME4);
  }
  for (; i < len; i++) {
    h = Math.imul(rotl((h + Math.imul(b[i]!, PRIME5)) | 0, 11), PRIME1);
  }
  return avalanche(h);
}

/** xxHash32's final mix, so every input bit affects every output bit. */
function avalanche(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Writes `text` as UTF-8 into the shared scratch buffer and returns the byte count. */
function encodeToScratch(text: string): number {
  // UTF-8 never needs more than 3 bytes per UTF-16 code unit.
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return encoder.encodeInto(text, scratch).written;
    scratch[i] = c;
  }
  return n;
}

/**
 * Computes xxHash32 of `input` (a string is hashed as its UTF-8 bytes) as an unsigned 32-bit integer.
 *
 * @param seed - Any 32-bit integer; different seeds give independent hash functions. @default 0
 * @example
 * ```ts
 * xxHash32('abc'); // 0x32d153ff
 * ```
 */
export function xxHash32(input: string | Uint8Array, seed = 0): number {
  if (typeof input === 'string') {
    // Encode first: encoding may replace the scratch buffer with a larger one.
    const len = encodeToScratch(input);
    return hashBytes(scratch, len, seed);
  }
  return hashBytes(input, input.length, seed);
}

/**
 * xxHash32 of two 32-bit words laid out as 8 little-endian bytes, without building a buffer: equal to
 * `xxHash32(bytes, seed)` for those bytes. Ring points and keyless picks hash numbers with it.
 */
export function xxHash32Words(a: number, b: number, seed = 0): number {
  let h = (seed + PRIME5 + 8) | 0;
  h = Math.imul(rotl((h + Math.imul(a | 0, PRIME3)) | 0, 17), PRIME4);
  h = Math.imul(rotl((h + Math.imul(b | 0, PRIME3)) | 0, 17), PRIME4);
  return avalanche(h);
}

/** The primary key hash of the hash strategies: xxHash32 with seed 0. */
export function hashKey(key: string): number {
  return xxHash32(key, PRIMARY_SEED);
}

/**
 * A second hash, independent of {@link hashKey} (xxHash32 with another seed), for where two uncorrelated values
 * are needed from one key, such as Maglev's permutation offset and skip.
 */
export function secondaryHashKey(key: string): number {
  return xxHash32(key, SECONDARY_SEED);
}
