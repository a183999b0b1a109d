import { ThreadWorker } from 'poolifier';
import { fib, inc } from './tasks.mjs';

export default new ThreadWorker({ inc, fib });
