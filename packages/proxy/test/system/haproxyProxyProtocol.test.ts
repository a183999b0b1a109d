// A system test: it needs Debian's haproxy, so it runs in `pnpm test:system` (which .ci/run runs after installing
// it), never in the README's test command, and it fails rather than skips when haproxy is missing.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, onCleanup, startBalancer, statuses, until } from '../helpers.js';
import { accepts, echoBackend, exchange, freePort, request } from '../proxyProtocolHelpers.js';

afterEach(cleanup);

const haproxyPath = '/usr/sbin/haproxy';

describe('HAProxy as the oracle', () => {
  it("gets the client address from HAProxy's send-proxy and send-proxy-v2", async () => {
    if (!existsSync(haproxyPath)) {
      throw new Error(
        `${haproxyPath} is missing: the system tests need Debian's haproxy (apt-get install -y haproxy)`,
      );
    }
    const backend = await echoBackend();
    // HAProxy reaches the balancer from 127.0.0.3, the only trusted source; the client connects from 127.0.0.2.
    const { port } = await startBalancer([backend.backend], { proxyProtocol: { trusted: ['127.0.0.3'] } });
    const v1Port = await freePort();
    const v2Port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'lb-haproxy-'));
    const config = join(dir, 'haproxy.cfg');
    writeFileSync(
      config,
      [
        'defaults',
        '  mode tcp',
        '  timeout connect 5s',
        '  timeout client 30s',
        '  timeout server 30s',
        'frontend v1',
        `  bind 127.0.0.1:${v1Port}`,
        '  default_backend v1',
        'backend v1',
        `  server s 127.0.0.1:${port} send-proxy source 127.0.0.3`,
        'frontend v2',
        `  bind 127.0.0.1:${v2Port}`,
        '  default_backend v2',
        'backend v2',
        `  server s 127.0.0.1:${port} send-proxy-v2 source 127.0.0.3`,
        '',
      ].join('\n'),
    );
    const haproxy: ChildProcess = spawn(haproxyPath, ['-f', config, '-db'], { stdio: 'ignore' });
    const exited = once(haproxy, 'exit');
    onCleanup(async () => {
      if (haproxy.exitCode === null && haproxy.pid !== undefined) process.kill(haproxy.pid, 'SIGTERM');
      await exited;
    });
    await until(async () => (await accepts(v1Port)) && (await accepts(v2Port)));
    for (const frontend of [v1Port, v2Port]) {
      const reply = await exchange(frontend, [request()], '127.0.0.2');
      expect(statuses(reply)).toEqual([200]);
      expect(reply).toContain('xff=127.0.0.2');
    }
    // A direct connection from an untrusted address is served under its own address.
    expect(await exchange(port, [request()])).toContain('xff=127.0.0.1');
  });
});
