import { HpackError } from './hpackError.js';
import { EOS, huffmanCodes, huffmanLengths } from './huffmanCode.js';
import { latin1 } from './latin1.js';

// A table-driven decoder that reads four bits at a time. Its states are the 256 inner nodes of the code tree
// (state 0 is the root); for each state and nibble one entry says where the walk ends, which byte it completed
// on the way (at most one: no code is shorter than 5 bits) and whether it ran into EOS, which no string may
// contain. Built once at module load from the code lengths.

const EMIT = 1 << 16;
const FAIL = 1 << 17;

/** Per state and nibble: next state in bits 0-7, the completed byte in bits 8-15, EMIT and FAIL flags. */
const transitions = new Uint32Array(256 * 16);
/** Per state: 1 when a string may end there, its bits since the last symbol being at most 7 ones (§5.2). */
const mayEnd = new Uint8Array(256);

buildTables();

function buildTables(): void {
  // The tree: inner nodes hold their children as inner-node numbers, or as ~symbol for a leaf.
  const children: [number, number][] = [[0, 0]];
  const depth = [0];
  const allOnes = [true];
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const length = huffmanLengths[symbol]!;
    const code = huffmanCodes[symbol]!;
    let node = 0;
    for (let bit = length - 1; bit >= 0; bit--) {
      const side = Math.floor(code / 2 ** bit) % 2;
      if (bit === 0) {
        children[node]![side] = ~symbol;
        break;
      }
      let next = children[node]![side]!;
      if (next === 0) {
        next = children.length;
        children.push([0, 0]);
        depth.push(depth[node]! + 1);
        allOnes.push(allOnes[node]! && side === 1);
        children[node]![side] = next;
      }
      node = next;
    }
  }
  for (let state = 0; state < 256; state++) {
    mayEnd[state] = depth[state]! <= 7 && allOnes[state] ? 1 : 0;
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      for (let bit = 3; bit >= 0; bit--) {
        const next = children[node]![(nibble >> bit) & 1]!;
        if (next >= 0) {
          node = next;
          continue;
        }
        const symbol = ~next;
        if (symbol === EOS) entry |= FAIL;
        else entry |= EMIT | (symbol << 8);
        node = 0;
      }
      transitions[state * 16 + nibble] = entry | node;
    }
  }
}

/** Where decoded bytes are gathered before they become one string; grown up to SCRATCH_MOST for longer ones. */
let scratch = Buffer.allocUnsafe(4096);
/** Longer strings get a buffer of their own: one hostile header must not leave a large buffer held forever. */
const SCRATCH_MOST = 64 * 1024;

/**
 * Decodes the Huffman-coded string in `bytes[start..end)` (RFC 7541 §5.2) as a latin1 string. Throws HpackError
 * on an EOS symbol in the string, or on padding longer than 7 bits or not all ones.
 */
export function huffmanDecode(bytes: Uint8Array, start: number, end: number): string {
  // Every symbol has at least 5 bits, so 8 bits of input make at most 8/5 bytes of output.
  const most = Math.ceil(((end - start) * 8) / 5);
  if (most > scratch.length && most <= SCRATCH_MOST) scratch = Buffer.allocUnsafe(SCRATCH_MOST);
  const out = most <= scratch.length ? scratch : Buffer.allocUnsafe(most);
  let length = 0;
  let state = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    let entry = transitions[(state << 4) | (byte >> 4)]!;
    if (entry & (EMIT | FAIL)) {
      if (entry & FAIL) throw new HpackError('a Huffman-coded string contains EOS');
      out[length++] = (entry >> 8) & 0xff;
    }
    state = entry & 0xff;
    entry = transitions[(state << 4) | (byte & 0xf)]!;
    if (entry & (EMIT | FAIL)) {
      if (entry & FAIL) throw new HpackError('a Huffman-coded string contains EOS');
      out[length++] = (entry >> 8) & 0xff;
    }
    state = entry & 0xff;
  }
  if (mayEnd[state] === 0)
    throw new HpackError('a Huffman-coded string ends in padding longer than 7 bits or not all ones');
  return latin1(out, 0, length);
}
