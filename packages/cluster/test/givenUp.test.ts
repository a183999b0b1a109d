import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterStatus, LbError, WorkerInfo } from '@lb/cluster';
import { afterEach, describe, expect, it } from 'vitest';
import { captureOutput, cleanUp, cluster, fixture, get, waitFor } from './helpers.js';
import { lbReady, startLb } from './lbProcess.js';

const dirs: string[] = [];

afterEach(async () => {
  await cleanUp();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A path that makes fixtures/app.mjs exit 1 at start once it exists: every restart after it fails. */
function crashMarker(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lb-given-up-'));
  dirs.push(dir);
  return join(dir, 'crash');
}

const crashLoopOptions = { processes: 2, maxRestarts: 1, restartDelay: 10, maxRestartDelay: 20 };

describe('when every slot has given up', () => {
  it('the cluster fails: a failed event, then it stops', async () => {
    const marker = crashMarker();
    const out = captureOutput();
    const manager = cluster(crashLoopOptions, [fixture('app.mjs')], {
      env: { ...process.env, FIXTURE_CRASH_IF_EXISTS: marker },
      stdout: out.stdout,
      stderr: out.stderr,
    });
    await manager.start();
    const failed = new Promise<LbError>((resolve) => manager.once('failed', resolve));
    const stopped = new Promise<void>((resolve) => manager.once('stopped', () => resolve()));
    writeFileSync(marker, '');
    for (const worker of manager.workers) process.kill(worker.pid as number, 'SIGKILL');
    const error = await failed;
    expect(error.code).toBe('LB_ERR_ALL_WORKERS_GIVEN_UP');
    expect(error.message).toMatch(
      /^Every worker has given up .*worker 0: 1 restarts, last exit code 1; worker 1: 1 restarts, last exit code 1/,
    );
    await stopped;
    expect(manager.workers).toEqual([]);
    expect(out.text()).toMatch(/\[lb\] Every worker has given up .* Stopping\.\n/);
  });

  it('with exitWhenAllGivenUp: false, keeps waiting with the slots errored, and a reload revives them', async () => {
    const marker = crashMarker();
    const out = captureOutput();
    const withAdmin = { enableLoadBalancer: true, loadBalancerPort: 0, adminPort: 0 };
    const options = { ...crashLoopOptions, ...withAdmin, exitWhenAllGivenUp: false };
    const manager = cluster(options, [fixture('app.mjs')], {
      env: { ...process.env, FIXTURE_CRASH_IF_EXISTS: marker },
      stdout: out.stdout,
      stderr: out.stderr,
    });
    await manager.start();
    const failed = new Promise<LbError>((resolve) => manager.once('failed', resolve));
    writeFileSync(marker, '');
    for (const worker of manager.workers) process.kill(worker.pid as number, 'SIGKILL');
    await failed;
    expect(manager.workers.map((w: WorkerInfo) => [w.id, w.state])).toEqual([
      [0, 'errored'],
      [1, 'errored'],
    ]);
    // The admin /status (and its dashboard) shows the given-up slots too, never an empty list.
    const admin = manager.adminAddress?.port as number;
    const status = JSON.parse((await get(admin, '/status')).body) as ClusterStatus;
    expect(status.workers.map((w) => [w.id, w.state, w.pid])).toEqual([
      [0, 'errored', undefined],
      [1, 'errored', undefined],
    ]);
    // Messages name what an operator runs, not an API call.
    expect(out.text()).toContain(`a reload revives it: kill -HUP ${process.pid} (or lb reload)`);
    expect(out.text()).toContain(
      `Waiting with no worker for a reload (exitWhenAllGivenUp: false): kill -HUP ${process.pid} (or lb reload).`,
    );
    rmSync(marker);
    await manager.reload();
    await waitFor(() => manager.workers.every((w) => w.state === 'ready'), 5_000, 'the revived workers');
    expect(manager.workers).toHaveLength(2);
  });

  it('lb exits 1 with a summary', async () => {
    const marker = crashMarker();
    const lb = startLb(
      [fixture('app.mjs'), '-i', '2', '--port', '0', '--host', '127.0.0.1', '--max-restarts', '1'],
      { FIXTURE_CRASH_IF_EXISTS: marker },
    );
    const { pids } = await lbReady(lb);
    writeFileSync(marker, '');
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    expect(await lb.exited).toBe(1);
    expect(lb.stderr()).toMatch(
      /\[lb\] Every worker has given up after crashing maxRestarts times in a row \(worker 0: 1 restarts, last exit code 1; worker 1: 1 restarts, last exit code 1\); nothing is serving\. The workers' output above says why\. Stopping and exiting with code 1\.\n/,
    );
    expect(lb.stderr()).toMatch(/\[lb\] stopped\n/);
  });
});
