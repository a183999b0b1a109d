import { xxHash32Words } from './hash.js';

/** Seed of ring points, so they are independent of the key hashes they are compared with. */
const POINT_SEED = 0x61c88647;

/** A sorted ring: `hashes[i]` is the position of a point owned by table slot `slots[i]`. */
export interface Ring {
  readonly hashes: Uint32Array;
  readonly slots: Int32Array;
}

/**
 * Builds a ring holding `points[k]` points for table slot `members[k]`, placed by `nameHashes[k]` (the hash of
 * the backend's id). Sorting packs each point as `hash · 2^bits + k` into a `Float64Array`, which sorts natively
 * and exactly below 2^53; with more than 2^21 members the low hash bits give way to the index.
 */
export function buildRing(members: Int32Array, nameHashes: Uint32Array, points: Uint32Array): Ring {
  let total = 0;
  for (let k = 0; k < members.length; k++) total += points[k]!;
  const bits = Math.max(1, Math.ceil(Math.log2(members.length + 1)));
  const hashBits = Math.min(32, 53 - bits);
  const drop = 2 ** (32 - hashBits);
  const indexSpace = 2 ** bits;
  const packed = new Float64Array(total);
  let at = 0;
  for (let k = 0; k < members.length; k++) {
    const name = nameHashes[k]!;
    for (let r = 0; r < points[k]!; r++) {
      packed[at++] = Math.floor(xxHash32Words(name, r, POINT_SEED) / drop) * indexSpace + k;
    }
  }
  packed.sort();
  const hashes = new Uint32Array(total);
  const slots = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    const v = packed[i]!;
    const k = v % indexSpace;
    hashes[i] = ((v - k) / indexSpace) * drop;
    slots[i] = members[k]!;
  }
  return { hashes, slots };
}

/** The first index whose point is at or after `h` clockwise (wrapping to 0). */
export function ringIndex(hashes: Uint32Array, h: number): number {
  let lo = 0;
  let hi = hashes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (hashes[mid]! < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === hashes.length ? 0 : lo;
}
