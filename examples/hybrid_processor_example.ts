/**
 * HybridProcessor: CPU-heavy work on worker threads while the event loop stays free.
 *
 *   pnpm exec tsx examples/hybrid_processor_example.ts            # the seed example, then an HTTP server
 *   pnpm exec tsx examples/hybrid_processor_example.ts --storm    # also measure /health during a fib storm
 *
 * Endpoints: GET /fib/:n computes fibonacci(n) on the pool; GET /health answers at once with the pool's stats.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HybridProcessor } from '@lb/all';

function fibonacci(n: number): number {
  if (n <= 1) return n;
  return fibonacci(n - 1) + fibonacci(n - 2);
}

// The seed's example: fibonacci(40) on a pool of 3 threads.
const processor = new HybridProcessor({ isolatePoolSize: 3 });
await processor.initialize();
const result = await processor.processWork<number>((data) => fibonacci(data as number), 40, {
  helpers: { fibonacci },
});
console.log(`Fibonacci result: ${result}`);

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const fib = /^\/fib\/(\d{1,2})$/.exec(url.pathname);
  if (url.pathname === '/health') {
    const { running, queued, completed } = processor.stats();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'ok', running, queued, completed }));
  } else if (fib !== null && Number(fib[1]) <= 45) {
    const n = Number(fib[1]);
    processor
      .processWork<number>((data) => fibonacci(data as number), n, {
        helpers: { fibonacci },
        timeout: 60_000,
      })
      .then(
        (value) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ n, value }));
        },
        (error: Error) => {
          res.statusCode = 503;
          res.end(error.message);
        },
      );
  } else {
    res.statusCode = 404;
    res.end('try /fib/30 or /health\n');
  }
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const { port } = server.address() as AddressInfo;
console.log(`listening on http://127.0.0.1:${port}`);

async function shutdown(): Promise<void> {
  server.close();
  await processor.close();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

if (process.argv.includes('--storm')) {
  // 12 × fib(35) keep every thread busy; meanwhile /health is polled and timed.
  const base = `http://127.0.0.1:${port}`;
  let storming = true;
  const storm = Promise.all(
    Array.from({ length: 12 }, () => fetch(`${base}/fib/35`).then((r) => r.json())),
  ).finally(() => {
    storming = false;
  });
  const latencies: number[] = [];
  while (storming) {
    const started = performance.now();
    await fetch(`${base}/health`).then((r) => r.json());
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await storm;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  console.log(
    `/health during the fib storm: ${latencies.length} requests, p50 ${at(0.5).toFixed(1)} ms, ` +
      `p99 ${at(0.99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
  );
  await shutdown();
}
