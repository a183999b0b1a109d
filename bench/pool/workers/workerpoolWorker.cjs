const workerpool = require('workerpool');

function inc(x) {
  return x + 1;
}

function fib(n) {
  return n <= 1 ? n : fib(n - 1) + fib(n - 2);
}

workerpool.worker({ inc, fib });
