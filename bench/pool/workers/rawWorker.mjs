// The floor: no pool logic, one message per task and one per result.
import { parentPort } from 'node:worker_threads';
import { fib, inc, mem } from './tasks.mjs';

parentPort.on('message', (message) => {
  const { name, data } = message;
  const result = name === 'inc' ? inc(data) : name === 'fib' ? fib(data) : mem(data);
  parentPort.postMessage({ id: message.id, result });
});
