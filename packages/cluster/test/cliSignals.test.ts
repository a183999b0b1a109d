import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanUp, fixture, get, waitFor } from './helpers.js';
import { lbReady, startLb } from './lbProcess.js';

afterEach(cleanUp);

describe('lb and a second signal', () => {
  it('a second SIGTERM during drainDelay kills the workers and exits 1', async () => {
    const lb = startLb([
      fixture('app.mjs'),
      ...['-i', '2', '--port', '0', '--host', '127.0.0.1', '--drain-delay', '60000'],
    ]);
    const { pids } = await lbReady(lb);
    lb.child.kill('SIGTERM');
    await lb.waitForStderr(/not ready: \/readyz answers 503; still serving for 1 min 0 s \(drainDelay\)/);
    // A signal within a second of the first is the same request relayed; only a later one forces.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    lb.child.kill('SIGTERM');
    expect(await lb.exited).toBe(1);
    await waitFor(() => !pids.some(alive), 5_000, 'the workers to be killed');
    expect(lb.stderr()).not.toMatch(/stopping: finishing in-flight requests/);
  }, 20_000);

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'a second %s a second or more into the graceful stop kills the workers and exits 1',
    async (signal) => {
      const lb = startLb([fixture('app.mjs'), '-i', '2', '--port', '0', '--host', '127.0.0.1']);
      const { port, pids } = await lbReady(lb);
      // A request that outlasts the test keeps the graceful stop draining until the second signal.
      const slow = get(port, '/slow?ms=60000').catch(() => undefined);
      await waitFor(() => lb.stdout().includes('slow request started'), 5_000, 'the slow request to arrive');
      lb.child.kill(signal);
      await lb.waitForStderr(new RegExp(`${signal}: stopping`));
      // A signal within a second of the first is the same Ctrl-C relayed by npm or pnpm; only a later one forces.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      lb.child.kill(signal);
      expect(await lb.exited).toBe(1);
      await waitFor(() => !pids.some(alive), 5_000, 'the workers to be killed');
      await slow;
    },
    // Starting lb, its workers and the one-second wait take longer than the default 5 s on a loaded machine.
    20_000,
  );
});
