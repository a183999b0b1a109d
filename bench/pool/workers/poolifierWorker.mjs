import { ThreadWorker } from 'poolifier';
import { fib, inc, mem } from './tasks.mjs';

export default new ThreadWorker({ inc, fib, mem });
