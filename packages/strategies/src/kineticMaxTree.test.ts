import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KineticMaxTree } from './kineticMaxTree.js';

function bruteWinner(tree: KineticMaxTree, excluded: readonly number[] = []): number {
  let best = -1;
  for (let i = 0; i < tree.length; i++) {
    if (excluded.includes(i)) continue;
    if (best < 0 || tree.value(i) > tree.value(best)) best = i;
  }
  return best;
}

describe('KineticMaxTree', () => {
  it('always reports the highest line (lowest index on ties) through steps, shifts and rebases', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('step' as const), count: fc.integer({ min: 1, max: 40 }) }),
      fc.record({
        kind: fc.constant('shift' as const),
        i: fc.nat(15),
        delta: fc.integer({ min: -500, max: 500 }),
      }),
      fc.record({ kind: fc.constant('rebase' as const) }),
      fc.record({
        kind: fc.constant('query' as const),
        excluded: fc.uniqueArray(fc.nat(15), { maxLength: 4 }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 16 }),
        fc.array(op, { maxLength: 40 }),
        (slopes, ops) => {
          const tree = new KineticMaxTree();
          tree.reset(Float64Array.from(slopes));
          for (const o of ops) {
            if (o.kind === 'step') {
              for (let s = 0; s < o.count; s++) {
                tree.step();
                expect(tree.winner).toBe(bruteWinner(tree));
              }
            } else if (o.kind === 'shift') {
              if (o.i < tree.length) tree.shift(o.i, o.delta);
            } else if (o.kind === 'rebase') {
              const before = Array.from({ length: tree.length }, (_, i) => tree.value(i));
              tree.rebase();
              expect(tree.time).toBe(0);
              expect(Array.from({ length: tree.length }, (_, i) => tree.value(i))).toEqual(before);
            } else {
              const excluded = o.excluded.filter((i) => i < tree.length).sort((a, b) => a - b);
              expect(tree.winnerExcluding(excluded)).toBe(bruteWinner(tree, excluded));
            }
            expect(tree.winner).toBe(bruteWinner(tree));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports no winner when empty', () => {
    const tree = new KineticMaxTree();
    tree.reset(new Float64Array(0));
    tree.step();
    expect(tree.winner).toBe(-1);
  });
});
