// The floor: no pool logic, one message per task and one per result.
import { parentPort } from 'node:worker_threads';
import { fib, inc } from './tasks.mjs';

parentPort.on('message', (message) => {
  const result = message.name === 'fib' ? fib(message.data) : inc(message.data);
  parentPort.postMessage({ id: message.id, result });
});
