export { fib, inc } from './tasks.mjs';
