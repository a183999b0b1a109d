import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, request } from './http.js';
import { type RunningExample, runExample, stopAll } from './runExample.js';

describe('examples/simple_load_balancer.ts: three backends behind least connections', () => {
  let example: RunningExample;
  let port: number;
  let adminPort: number;

  beforeAll(async () => {
    example = runExample('simple_load_balancer.ts', { PORT: '0', LB_BASE_PORT: '0', LB_ADMIN_PORT: '0' });
    port = Number((await example.waitFor(/load balancer on http:\/\/localhost:(\d+)/))[1]);
    adminPort = Number((await example.waitFor(/dashboard on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  });

  afterAll(stopAll);

  it('answers from each of the three backends', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const answer = await request(port);
      expect(answer.status).toBe(200);
      const match = answer.body.match(/^Hello from backend (\d) on port \d+\n$/);
      expect(match, answer.body).not.toBeNull();
      ids.add(match![1]!);
    }
    expect([...ids].sort()).toEqual(['0', '1', '2']);
  });

  it('reports its backends on the admin server and serves the dashboard', async () => {
    const status = await getJson<{ strategy: string; backends: { id: number }[] }>(adminPort, '/status');
    expect(status.strategy).toBe('leastConnections');
    expect(status.backends.map((b) => b.id)).toEqual([0, 1, 2]);
    expect((await request(adminPort, '/')).body).toContain('<title>lb dashboard</title>');
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await example.stop()).toBe(0);
    expect(example.output()).toContain('stopped');
  });
});
