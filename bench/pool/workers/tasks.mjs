// Task functions shared by every pool: `inc` is the tiny task, `fib` the CPU-bound one.
export function inc(x) {
  return x + 1;
}

export function fib(n) {
  return n <= 1 ? n : fib(n - 1) + fib(n - 2);
}
