// The HPACK Huffman code (RFC 7541 Appendix B) is canonical: codes of one length are consecutive and ordered by
// symbol, so the 257 code lengths are all it takes to rebuild every code. One letter per symbol 0..256 (EOS
// last), the length being the letter's distance from 'a' plus 5 (the shortest code has 5 bits, the longest 30).
const lengthLetters =
  'isxxxxxxxtzxxzxxxxxxxxzxxxxxxxxxbffhibdgffdgdbbbaaabbbbbbbcdkbhfibccccccccccccccccccccccdcdioijbkabababbbacc' +
  'bbbabcbaabccccckgjixprpprrrsrssssststtrstssssqrsrsstrqprrssqsrrtqrssqqrqsrssprrrsrrsvvporsruvvvwwvtuoqvwwvwtq' +
  'qvvxwwwptpqrqqsrruuttvsvwvvwwwwwxwwwwwvz';

/** The end-of-string symbol: never sent inside a string, its leading bits pad the last byte. */
export const EOS = 256;

/** Bit length of each symbol's code, 0..255 for the bytes and 256 for EOS. */
export const huffmanLengths: readonly number[] = Array.from(
  lengthLetters,
  (letter) => letter.charCodeAt(0) - 92,
);

/**
 * Each symbol's code, rebuilt from the lengths the canonical way: walk the symbols by (length, symbol), each
 * code one more than the last, shifted left when the length grows.
 */
export const huffmanCodes: readonly number[] = canonicalCodes(huffmanLengths);

function canonicalCodes(lengths: readonly number[]): number[] {
  const order = lengths.map((_, symbol) => symbol).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const codes = new Array<number>(lengths.length).fill(0);
  let code = 0;
  let length = lengths[order[0]!]!;
  for (const [rank, symbol] of order.entries()) {
    if (rank > 0) code = (code + 1) * 2 ** (lengths[symbol]! - length);
    length = lengths[symbol]!;
    codes[symbol] = code;
  }
  return codes;
}
