import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminServer } from '../adminServer.js';
import { dashboardPage } from './dashboardPage.js';

const provider = { metrics: () => '', status: () => ({ backends: [] }), healthy: () => true };
let server: AdminServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('dashboard', () => {
  it('is served at / by every admin server, as one HTML page', async () => {
    server = new AdminServer(provider);
    await server.start();
    const page = await get(server.address!.port, '/');
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.body).toBe(dashboardPage);
  });

  it('has a script that parses, with every piece it calls defined', () => {
    const script = /<script>([\s\S]*)<\/script>/.exec(dashboardPage)?.[1] ?? '';
    // Compiles without running: a syntax error in any of the joined pieces fails here, not in a browser.
    expect(() => new Function(script)).not.toThrow();
    for (const name of ['parseBuckets', 'intervals', 'windowCounts', 'chartSvg', 'clock', 'esc']) {
      expect(script).toContain(`function ${name}(`);
    }
  });

  it('loads nothing from elsewhere: no external scripts, styles or fonts', () => {
    expect(dashboardPage).not.toMatch(/<script[^>]+src=|<link\b|@import|url\(|https?:\/\//);
  });
});
