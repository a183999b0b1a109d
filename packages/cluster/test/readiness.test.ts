import net from 'node:net';
import { LbError } from '@lb/cluster';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanUp, cluster, fixture } from './helpers.js';

const foreign = new Set<net.Server>();

afterEach(async () => {
  for (const server of foreign) server.close();
  foreign.clear();
  await cleanUp();
});

function listen(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    // A server that accepts every connection: what a readiness probe would have mistaken for the worker.
    const server = net.createServer((socket) => socket.end());
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Another process's server on `basePort + 1`, with `basePort` itself free: the collision of the issue. */
async function foreignServerAfterFreePort(): Promise<{ basePort: number; taken: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = (await listen(0)) as net.Server;
    const taken = (server.address() as net.AddressInfo).port;
    const probe = taken > 1024 ? await listen(taken - 1) : undefined;
    if (probe !== undefined) {
      await new Promise((resolve) => probe.close(resolve));
      foreign.add(server);
      return { basePort: taken - 1, taken };
    }
    server.close();
  }
  throw new Error('no free port pair found');
}

describe('readiness comes from the worker, not from whoever answers on its port', () => {
  it('fails start() when another process holds basePort + 1, and leaves no worker behind', async () => {
    const { basePort, taken } = await foreignServerAfterFreePort();
    const manager = cluster({ processes: 2, basePort });
    const pids: number[] = [];
    manager.on('workerStart', (w) => pids.push(w.pid as number));
    const error = await manager.start().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LbError);
    expect(error).toMatchObject({ code: 'LB_ERR_WORKER_NOT_READY' });
    // The app crashes on EADDRINUSE: the preload's report or the exit, whichever the primary reads first.
    expect((error as LbError).message).toMatch(
      new RegExp(
        `^Worker 1 (could not listen on port ${taken} \\(its PORT\\): EADDRINUSE|exited .*port ${taken})`,
      ),
    );
    expect(manager.workers).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('fails start() at once when the app handles its listen error and keeps running', async () => {
    const { basePort, taken } = await foreignServerAfterFreePort();
    const manager = cluster({ processes: 2, basePort }, [fixture('app.mjs')], {
      env: { ...process.env, FIXTURE_HANDLE_LISTEN_ERROR: '1' },
    });
    await expect(manager.start()).rejects.toMatchObject({
      code: 'LB_ERR_WORKER_NOT_READY',
      message: `Worker 1 could not listen on port ${taken} (its PORT): EADDRINUSE, another process holds that port: free it or choose another basePort.`,
    });
    expect(manager.workers).toEqual([]);
  });
});
