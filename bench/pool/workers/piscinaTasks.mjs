export { fib, inc, mem } from './tasks.mjs';
