// A system test: curl (with nghttp2) and h2load from Debian's nghttp2-client as HTTP/2 clients of the balancer.
// It runs in `pnpm test:system` (.ci/run installs both) and fails rather than skips when either is missing.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, onCleanup, startBackend, startBalancer } from '../helpers.js';
import { makeTestPki } from '../tlsFixtures.js';

afterEach(cleanup);
const run = promisify(execFile);

function needs(tool: string, pkg: string): void {
  if (spawnSync('which', [tool]).status !== 0) {
    throw new Error(`${tool} is missing: the system tests need Debian's ${pkg} (apt-get install -y ${pkg})`);
  }
}

/** The CA written to a file for the command-line clients, removed after the test. */
function caFile(ca: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lb-h2-'));
  writeFileSync(join(dir, 'ca.pem'), ca);
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'ca.pem');
}

describe('HTTP/2 with real clients', () => {
  it('answers curl over h2 by ALPN, h2c with prior knowledge, and HTTP/1.1 on the same ports', async () => {
    needs('curl', 'curl');
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      res.setHeader('trailer', 'x-done');
      res.write(`${req.method} ${req.url} `);
      res.addTrailers({ 'x-done': 'yes' });
      res.end(String(req.headers.host));
    });
    const { server, ca } = makeTestPki();
    const secure = await startBalancer([backend.backend], { http2: true, tls: server });
    const clear = await startBalancer([backend.backend], { http2: true });
    const format = ['-sS', '-w', ' %{http_version} %{http_code}'];
    const cafile = caFile(ca);
    const h2 = await run('curl', [
      ...format,
      '--http2',
      '--cacert',
      cafile,
      `https://localhost:${secure.port}/tls`,
    ]);
    expect(h2.stdout).toBe(`GET /tls localhost:${secure.port} 2 200`);
    const h2c = await run('curl', [...format, '--http2-prior-knowledge', `http://127.0.0.1:${clear.port}/c`]);
    expect(h2c.stdout).toBe(`GET /c 127.0.0.1:${clear.port} 2 200`);
    const upload = await run('curl', [
      ...format,
      '--http2-prior-knowledge',
      '--data-binary',
      'x'.repeat(100_000),
      `http://127.0.0.1:${clear.port}/post`,
    ]);
    expect(upload.stdout).toBe(`POST /post 127.0.0.1:${clear.port} 2 200`);
    const h1 = await run('curl', [
      ...format,
      '--http1.1',
      '--cacert',
      cafile,
      `https://localhost:${secure.port}/one`,
    ]);
    expect(h1.stdout).toBe(`GET /one localhost:${secure.port} 1.1 200`);
    const h1c = await run('curl', [...format, '--http1.1', `http://127.0.0.1:${clear.port}/one`]);
    expect(h1c.stdout).toBe(`GET /one 127.0.0.1:${clear.port} 1.1 200`);
    // Trailers end to end: curl prints them with the headers (-i).
    const trailers = await run('curl', [
      '-sS',
      '-i',
      '--http2-prior-knowledge',
      `http://127.0.0.1:${clear.port}/t`,
    ]);
    expect(trailers.stdout).toMatch(/x-done: yes\r?\n?$/);
  });

  it('serves every h2load request, h2c and over TLS, with many concurrent streams', async () => {
    needs('h2load', 'nghttp2-client');
    const backend = await startBackend('a');
    const { server } = makeTestPki();
    const clear = await startBalancer([backend.backend], { http2: true });
    const secure = await startBalancer([backend.backend], { http2: true, tls: server });
    for (const url of [`http://127.0.0.1:${clear.port}/`, `https://127.0.0.1:${secure.port}/`]) {
      const { stdout } = await run('h2load', ['-n', '5000', '-c', '10', '-m', '50', url], {
        timeout: 60_000,
      });
      expect(stdout).toMatch(/Application protocol: h2c?\n/);
      expect(stdout).toMatch(
        /requests: 5000 total, 5000 started, 5000 done, 5000 succeeded, 0 failed, 0 errored/,
      );
      expect(stdout).toMatch(/status codes: 5000 2xx/);
    }
  }, 120_000);
});
