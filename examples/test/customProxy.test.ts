import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackends } from './backends.js';
import { request } from './http.js';
import { type RunningExample, runExample, stopAll } from './runExample.js';

describe('examples/custom_proxy.ts: a node:http proxy on @lb/strategies alone', () => {
  let backends: Awaited<ReturnType<typeof startBackends>>;
  let proxy: RunningExample;
  let port: number;

  beforeAll(async () => {
    backends = await startBackends(['a', 'b', 'c']);
    proxy = runExample('custom_proxy.ts', {
      PORT: '0',
      BACKENDS: backends.ports.map((p) => `127.0.0.1:${p}`).join(','),
    });
    port = Number((await proxy.waitFor(/custom proxy on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  });

  afterAll(async () => {
    await stopAll();
    await backends?.close();
  });

  it('spreads requests over every backend', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const answer = await request(port, `/item/${i}`);
      expect(answer.status).toBe(200);
      names.add((JSON.parse(answer.body) as { name: string }).name);
    }
    expect([...names].sort()).toEqual(['a', 'b', 'c']);
  });

  it('passes method, path and body through', async () => {
    const answer = await request(port, '/echo?x=1', { method: 'POST', body: 'hello' });
    expect(JSON.parse(answer.body)).toMatchObject({ method: 'POST', url: '/echo?x=1', body: 'hello' });
  });

  it('answers 502 when the chosen backend is gone', async () => {
    await backends.close();
    expect((await request(port, '/')).status).toBe(502);
  });
});
