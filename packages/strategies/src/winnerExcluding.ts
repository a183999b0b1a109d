/**
 * The best leaf of a tournament tree outside some excluded positions, in O(k log n) for k exclusions: subtrees
 * that hold no excluded position answer with their stored winner, so only the paths to excluded leaves are
 * replayed. `win` holds each node's winner (leaves at `size + position`, -1 for none); `better(a, b)` is true
 * when `a` beats `b` under the tree's own ordering.
 */
export function winnerExcluding(
  win: Int32Array,
  size: number,
  excluded: readonly number[],
  better: (a: number, b: number) => boolean,
): number {
  const query = (node: number, lo: number, hi: number, from: number, to: number): number => {
    if (from === to) return win[node]!;
    if (node >= size) return -1;
    const mid = (lo + hi) >> 1;
    let split = from;
    while (split < to && excluded[split]! < mid) split++;
    const left = query(2 * node, lo, mid, from, split);
    const right = query(2 * node + 1, mid, hi, split, to);
    if (left < 0) return right;
    if (right < 0) return left;
    return better(right, left) ? right : left;
  };
  return query(1, 0, size, 0, excluded.length);
}
