// Task functions shared by every pool: `inc` is the tiny task, `fib` the CPU-bound one, `mem` the memory-heavy one.
export function inc(x) {
  return x + 1;
}

export function fib(n) {
  return n <= 1 ? n : fib(n - 1) + fib(n - 2);
}

// Allocates n small objects with string keys, sorts them and returns a checksum: heap growth, GC and cache misses
// rather than arithmetic.
export function mem(n) {
  const items = [];
  for (let i = 0; i < n; i++) items.push({ i, key: String((i * 2654435761) % 1000003) });
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return items[0].i + items[n - 1].i;
}
