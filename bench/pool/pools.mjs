// Adapters with one shape for every pool: { run(name, data), close() }. Each uses 2 threads. Peers run twice: at
// their defaults, and at the settings that made them fastest on tiny tasks (`-best`), which pipeline several tasks
// per thread as HybridProcessor does (up to 64 per thread, sized from the measured run time).
import { Worker } from 'node:worker_threads';

const here = (path) => new URL(path, import.meta.url);
const tasksFile = here('./workers/tasks.mjs');

function fibInline(n) {
  return n <= 1 ? n : fibInline(n - 1) + fibInline(n - 2);
}

function memInline(n) {
  const items = [];
  for (let i = 0; i < n; i++) items.push({ i, key: String((i * 2654435761) % 1000003) });
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return items[0].i + items[n - 1].i;
}

// Tasks each peer keeps in flight per thread in its `-best` variant: 16 measured fastest for Piscina
// (docs/benchmarks.md); poolifier gets the same.
const concurrency = 16;

export const pools = {
  async raw() {
    const workers = [
      new Worker(here('./workers/rawWorker.mjs')),
      new Worker(here('./workers/rawWorker.mjs')),
    ];
    const pending = new Map();
    for (const w of workers) w.on('message', (m) => pending.get(m.id)(m.result));
    let next = 0;
    return {
      run(name, data) {
        const id = next++;
        return new Promise((resolve) => {
          pending.set(id, (result) => {
            pending.delete(id);
            resolve(result);
          });
          workers[id & 1].postMessage({ id, name, data });
        });
      },
      close: () => Promise.all(workers.map((w) => w.terminate())),
    };
  },
  async piscina() {
    const { Piscina } = await import('piscina');
    const pool = new Piscina({
      filename: here('./workers/piscinaTasks.mjs').href,
      minThreads: 2,
      maxThreads: 2,
    });
    return { run: (name, data) => pool.run(data, { name }), close: () => pool.destroy() };
  },
  async 'piscina-best'() {
    const { Piscina } = await import('piscina');
    const pool = new Piscina({
      filename: here('./workers/piscinaTasks.mjs').href,
      minThreads: 2,
      maxThreads: 2,
      concurrentTasksPerWorker: concurrency,
    });
    return { run: (name, data) => pool.run(data, { name }), close: () => pool.destroy() };
  },
  async tinypool() {
    const { Tinypool } = await import('tinypool');
    const pool = new Tinypool({
      filename: here('./workers/piscinaTasks.mjs').href,
      minThreads: 2,
      maxThreads: 2,
    });
    return { run: (name, data) => pool.run(data, { name }), close: () => pool.destroy() };
  },
  async workerpool() {
    const { default: workerpool } = await import('workerpool');
    const file = new URL('./workers/workerpoolWorker.cjs', import.meta.url).pathname;
    const pool = workerpool.pool(file, { minWorkers: 2, maxWorkers: 2, workerType: 'thread' });
    return { run: (name, data) => pool.exec(name, [data]), close: () => pool.terminate() };
  },
  async poolifier() {
    const { FixedThreadPool } = await import('poolifier');
    const pool = new FixedThreadPool(2, here('./workers/poolifierWorker.mjs').pathname);
    if (!pool.info.ready) await new Promise((resolve) => pool.emitter.once('ready', resolve));
    return { run: (name, data) => pool.execute(data, name), close: () => pool.destroy() };
  },
  async 'poolifier-best'() {
    const { FixedThreadPool } = await import('poolifier');
    const pool = new FixedThreadPool(2, here('./workers/poolifierWorker.mjs').pathname, {
      enableTasksQueue: true,
      tasksQueueOptions: { concurrency, taskStealing: true, tasksStealingOnBackPressure: true },
    });
    if (!pool.info.ready) await new Promise((resolve) => pool.emitter.once('ready', resolve));
    return { run: (name, data) => pool.execute(data, name), close: () => pool.destroy() };
  },
  async 'lb-inline'() {
    const { HybridProcessor } = await import('@lb/all');
    const pool = new HybridProcessor({ isolatePoolSize: 2 });
    await pool.initialize();
    const inc = (x) => x + 1;
    const fib = (n) => fibInline(n);
    const mem = (n) => memInline(n);
    const fibOptions = { helpers: { fibInline } };
    const memOptions = { helpers: { memInline } };
    return {
      run: (name, data) =>
        name === 'inc'
          ? pool.processWork(inc, data)
          : name === 'fib'
            ? pool.processWork(fib, data, fibOptions)
            : pool.processWork(mem, data, memOptions),
      close: () => pool.close(),
    };
  },
  async 'lb-inline-literal'() {
    const { HybridProcessor } = await import('@lb/all');
    const pool = new HybridProcessor({ isolatePoolSize: 2 });
    await pool.initialize();
    return {
      // A new closure on every call, as when the handler is written inside a loop or request handler: the pool
      // finds the cached handler by its source, which costs one Function#toString per call.
      run: (name, data) =>
        name === 'inc'
          ? pool.processWork((x) => x + 1, data)
          : name === 'fib'
            ? pool.processWork((n) => fibInline(n), data, { helpers: { fibInline } })
            : pool.processWork((n) => memInline(n), data, { helpers: { memInline } }),
      close: () => pool.close(),
    };
  },
  async 'lb-module'() {
    const { HybridProcessor } = await import('@lb/all');
    const pool = new HybridProcessor({ isolatePoolSize: 2 });
    await pool.initialize();
    const refs = {
      fib: { module: tasksFile, name: 'fib' },
      inc: { module: tasksFile, name: 'inc' },
      mem: { module: tasksFile, name: 'mem' },
    };
    return { run: (name, data) => pool.processWork(refs[name], data), close: () => pool.close() };
  },
};
