import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningExample, runExample } from './runExample.js';

let running: RunningExample | undefined;

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function get(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('cluster_app_metrics', () => {
  it("serves both workers' prom-client counters under a worker label", async () => {
    running = runExample('cluster_app_metrics.ts', { PORT: '0', ADMIN_PORT: '0' });
    const match = await running.waitFor(
      /app on http:\/\/localhost:(\d+), metrics on http:\/\/localhost:(\d+)/,
      30_000,
    );
    const [app, admin] = [Number(match[1]), Number(match[2])];
    // Round robin: two requests reach each worker.
    for (let i = 0; i < 4; i++) expect(await get(app)).toMatch(/^Hello from worker/);
    // Workers report once a second: scrape until both counts arrived (bounded).
    const both = (text: string) =>
      text.includes('app_requests_total{worker="0"} 2') && text.includes('app_requests_total{worker="1"} 2');
    let metrics = '';
    for (let tries = 0; tries < 100 && !both(metrics); tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      metrics = await get(admin, '/metrics');
    }
    expect(metrics).toContain('app_requests_total{worker="0"} 2');
    expect(metrics).toContain('app_requests_total{worker="1"} 2');
    expect(metrics).toContain('lb_worker_up{worker="0"} 1');
  }, 60_000);
});
