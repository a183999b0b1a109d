// The same functions as tasks.mjs (a CommonJS worker cannot import that ES module synchronously).
const workerpool = require('workerpool');

function inc(x) {
  return x + 1;
}

function fib(n) {
  return n <= 1 ? n : fib(n - 1) + fib(n - 2);
}

function mem(n) {
  const items = [];
  for (let i = 0; i < n; i++) items.push({ i, key: String((i * 2654435761) % 1000003) });
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return items[0].i + items[n - 1].i;
}

workerpool.worker({ inc, fib, mem });
