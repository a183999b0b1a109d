import { afterAll, describe, expect, it } from 'vitest';
import { getJson } from './http.js';
import { runExample, stopAll } from './runExample.js';

interface Hello {
  framework: string;
  pid: number;
  worker: number;
}

const frameworks = [
  ['node_http', 'node:http'],
  ['express', 'express'],
  ['fastify', 'fastify'],
  ['koa', 'koa'],
  ['hono', 'hono'],
] as const;

afterAll(stopAll);

// One cluster per framework, started once: a handful of requests, then a graceful stop.
describe.each(frameworks)('examples/frameworks/%s.ts', (file, framework) => {
  it('serves from all 4 workers behind the round-robin balancer, then stops on SIGTERM', async () => {
    const example = runExample(`frameworks/${file}.ts`, { PORT: '0', LB_BASE_PORT: '0' });
    const banner = await example.waitFor(/4 workers behind http:\/\/localhost:(\d+)\//, 60_000);
    const port = Number(banner[1]);
    const answers: Hello[] = [];
    for (let i = 0; i < 8; i++) answers.push(await getJson<Hello>(port));
    expect(new Set(answers.map((a) => a.framework))).toEqual(new Set([framework]));
    expect(new Set(answers.map((a) => a.pid)).size).toBe(4);
    expect(new Set(answers.map((a) => a.worker))).toEqual(new Set([0, 1, 2, 3]));
    expect(await example.stop()).toBe(0);
  }, 90_000);
});
