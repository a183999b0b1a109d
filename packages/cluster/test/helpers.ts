import http from 'node:http';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ClusterManager, type ClusterManagerOptions } from '@lb/cluster';
import type { ClusterConfigOptions } from '@lb/core';

/** Absolute path of a fixture script. */
export const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const managers = new Set<ClusterManager>();
const pids = new Set<number>();

/** Collects worker output so tests can assert on it and the runner stays quiet. */
export function captureOutput(): { stdout: PassThrough; stderr: PassThrough; text: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stdout, stderr, text: () => text };
}

/** A cluster on free ports with signal handling off; stopped (and its workers SIGKILLed) after each test. */
export function cluster(
  options: ClusterConfigOptions,
  args: string[] = [fixture('app.mjs')],
  extra: ClusterManagerOptions = {},
): ClusterManager {
  const out = captureOutput();
  const manager = new ClusterManager({ basePort: 0, processes: 2, ...options }, args, {
    handleSignals: false,
    stdout: out.stdout,
    stderr: out.stderr,
    ...extra,
  });
  manager.on('workerStart', (worker) => {
    if (worker.pid !== undefined) pids.add(worker.pid);
  });
  managers.add(manager);
  return manager;
}

/** Remembers a pid to SIGKILL after the test, for processes started outside a manager. */
export function track(pid: number | undefined): void {
  if (pid !== undefined) pids.add(pid);
}

/** Stops every manager and SIGKILLs every process a test started. */
export async function cleanUp(): Promise<void> {
  for (const manager of managers) manager.kill();
  await Promise.all([...managers].map((manager) => manager.stop().catch(() => {})));
  managers.clear();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  pids.clear();
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every 20 ms until it is true, failing after `timeout` ms. */
export async function waitFor(check: () => boolean, timeout = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One GET with a fresh connection; resolves with the status and body, rejects on a network error. */
export function get(
  port: number,
  path = '/',
  agent: http.Agent | false = false,
  timeout = 10_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.setTimeout(timeout, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}
