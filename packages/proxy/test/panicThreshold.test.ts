import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, send, startBackend, startBalancer } from './helpers.js';

afterEach(cleanup);

describe('panicThreshold', () => {
  it('routes to backends marked down once too few are up, as Envoy does, and refuses without it', async () => {
    const a = await startBackend('a');
    const b = await startBackend('b');
    const panicking = await startBalancer([a.backend, b.backend], {
      strategy: 'roundRobin',
      panicThreshold: 0.6,
    });
    const strict = await startBalancer([a.backend, b.backend], { strategy: 'roundRobin' });
    for (const { lb } of [panicking, strict]) {
      lb.setBackendHealth('a', 'down');
      lb.setBackendHealth('b', 'down');
    }
    expect((await send(panicking.port)).status).toBe(200);
    expect((await send(strict.port)).status).toBe(503);
  });
});
