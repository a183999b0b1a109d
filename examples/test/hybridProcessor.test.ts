import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const example = fileURLToPath(new URL('../hybrid_processor_example.ts', import.meta.url));
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  child = undefined;
});

/** Starts the example and resolves with everything it printed up to the line matching `until`. */
function startExample(): Promise<{ output: string; port: number }> {
  child = spawn(process.execPath, ['--import', 'tsx', example], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`example did not start; printed: ${output}`)), 90_000);
    child!.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ output, port: Number(match[1]) });
      }
    });
    child!.once('exit', (code) => reject(new Error(`example exited with ${code}; printed: ${output}`)));
  });
}

describe('hybrid_processor_example', () => {
  it('prints the seed result and keeps /health answering while fib tasks run', async () => {
    const { output, port } = await startExample();
    expect(output).toContain('Fibonacci result: 102334155');
    const base = `http://127.0.0.1:${port}`;

    const storm = Array.from({ length: 6 }, () =>
      fetch(`${base}/fib/34`).then((r) => r.json() as Promise<{ n: number; value: number }>),
    );
    // /health answers while the pool reports fib tasks running: the event loop is not blocked by them.
    let health = { status: '', running: 0 };
    for (let i = 0; i < 500 && health.running === 0; i++) {
      const response = await fetch(`${base}/health`);
      expect(response.status).toBe(200);
      health = (await response.json()) as typeof health;
    }
    expect(health).toMatchObject({ status: 'ok' });
    expect(health.running).toBeGreaterThan(0);

    for (const answer of await Promise.all(storm)) expect(answer).toEqual({ n: 34, value: 5702887 });
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
  }, 120_000);
});
