import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanUp, fixture, get, track, waitFor } from './helpers.js';

afterEach(cleanUp);

/** Starts fixtures/primary.mjs and resolves with its worker pids and public port once it is ready. */
async function startPrimary(env: NodeJS.ProcessEnv = {}): Promise<{
  primary: ChildProcess;
  pids: number[];
  ports: number[];
  port: number;
  slowStarted: () => number;
}> {
  const primary = spawn(process.execPath, [fixture('primary.mjs')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  track(primary.pid);
  let slowStarted = 0;
  const lines = createInterface({ input: primary.stdout as NodeJS.ReadableStream });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.endsWith('slow request started')) slowStarted += 1;
      if (!line.startsWith('{')) return;
      const { pids, ports, port } = JSON.parse(line) as { pids: number[]; ports: number[]; port: number };
      for (const pid of pids) track(pid);
      resolve({ primary, pids, ports, port, slowStarted: () => slowStarted });
    });
    lines.once('close', () => reject(new Error('the primary exited before it was ready')));
  });
}

/** SIGTERMs the primary: every slow request in flight must complete with 200, then it exits 0 with no worker left. */
async function expectGracefulSigterm(
  primary: ChildProcess,
  slow: readonly Promise<{ status: number }>[],
  pids: readonly number[],
): Promise<void> {
  const exited = once(primary, 'exit');
  primary.kill('SIGTERM');
  for (const response of await Promise.all(slow)) expect(response.status).toBe(200);
  const [code] = await exited;
  expect(code).toBe(0);
  expect(pids.some(alive)).toBe(false);
}

describe('the primary process', () => {
  it('leaves no orphan worker when it is SIGKILLed', async () => {
    const { primary, pids } = await startPrimary();
    expect(pids.every(alive)).toBe(true);
    primary.kill('SIGKILL');
    await waitFor(() => !pids.some(alive), 5_000, 'the workers to exit after their primary died');
  });

  it('on SIGTERM finishes in-flight requests of an app with no SIGTERM handler, then exits 0', async () => {
    const { primary, pids, ports, slowStarted } = await startPrimary();
    const slow = ports.map((port) => get(port, '/slow?ms=500'));
    await waitFor(() => slowStarted() === ports.length, 5_000, 'the slow requests to reach the workers');
    await expectGracefulSigterm(primary, slow, pids);
  });

  it('behind the balancer, on SIGTERM stops accepting, finishes in-flight requests and exits 0', async () => {
    const { primary, pids, port, slowStarted } = await startPrimary({ FIXTURE_BALANCER: '1' });
    const slow = [get(port, '/slow?ms=500'), get(port, '/slow?ms=500'), get(port, '/slow?ms=500')];
    await waitFor(() => slowStarted() === 3, 5_000, 'the slow requests to reach the workers');
    await expectGracefulSigterm(primary, slow, pids);
  });

  it('reloads every worker on SIGHUP while the balancer keeps serving', async () => {
    const { primary, pids, port } = await startPrimary({ FIXTURE_BALANCER: '1' });
    primary.kill('SIGHUP');
    await waitFor(() => !pids.some(alive), 10_000, 'the old workers to be replaced');
    const answer = await get(port);
    expect(answer.status).toBe(200);
    expect(pids.map(String)).not.toContain(/pid=(\d+)/.exec(answer.body)?.[1]);
  });
});
