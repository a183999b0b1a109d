import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerInfo } from '@lb/cluster';
import { afterEach, describe, expect, it } from 'vitest';
import { captureOutput, cleanUp, cluster, fixture, get, waitFor } from './helpers.js';

afterEach(cleanUp);

/** The primary's own lines ([lb] …) of a captured output. */
const primaryLines = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('[lb] '));

describe('every life-cycle event is one line from the primary', () => {
  it('as text: start, ready, exit with code or signal and uptime, restart with delay, reload, stop', async () => {
    const out = captureOutput();
    const manager = cluster({ processes: 2 }, [fixture('app.mjs')], {
      stdout: out.stdout,
      stderr: out.stderr,
    });
    await manager.start();
    const [first, second] = manager.workers;
    const restarted = () => new Promise((resolve) => manager.once('workerReady', resolve));

    let ready = restarted();
    process.kill(first?.pid as number, 'SIGKILL');
    await ready;
    ready = restarted();
    await get(second?.port as number, '/exit?code=1');
    await ready;
    await manager.reload();
    await manager.stop();

    const lines = primaryLines(out.text());
    const expected = [
      /^\[lb\] starting 2 workers of .*app\.mjs$/,
      new RegExp(
        `^\\[lb\\] worker 0 started \\(pid ${first?.pid}\\); waiting until it listens on port ${first?.port}$`,
      ),
      new RegExp(`^\\[lb\\] worker 0 ready \\(pid ${first?.pid}, port ${first?.port}\\)$`),
      new RegExp(`^\\[lb\\] 2 workers ready \\(pids ${first?.pid}, ${second?.pid}\\)$`),
      new RegExp(`^\\[lb\\] worker 0 \\(pid ${first?.pid}\\) was killed by SIGKILL after [\\d.]+ m?s$`),
      /^\[lb\] worker 0 restarting now \(crash 1 in a row; given up after 10\)$/,
      /^\[lb\] worker 0 ready \(pid \d+, port \d+\)$/,
      new RegExp(`^\\[lb\\] worker 1 \\(pid ${second?.pid}\\) exited with code 1 after [\\d.]+ m?s$`),
      /^\[lb\] worker 1 restarting now \(crash 1 in a row; given up after 10\)$/,
      /^\[lb\] reloading 2 workers one at a time$/,
      /^\[lb\] worker 0 reloaded \(pid \d+ → \d+\)$/,
      /^\[lb\] worker 1 reloaded \(pid \d+ → \d+\)$/,
      /^\[lb\] reload complete$/,
      /^\[lb\] stopping: finishing in-flight requests, then SIGTERM to every worker \(SIGKILL after 10\.0 s\)$/,
      /^\[lb\] worker [01] \(pid \d+\) exited with code 0 after /,
      /^\[lb\] stopped$/,
    ];
    let at = 0;
    for (const pattern of expected) {
      const found = lines.findIndex((line, i) => i >= at && pattern.test(line));
      expect(found, `${pattern} after line ${at} in:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });

  it('as JSON with logFormat json: the fields of a worker line plus event', async () => {
    const out = captureOutput();
    const manager = cluster({ processes: 1, logFormat: 'json', restartDelay: 10 }, [fixture('app.mjs')], {
      stdout: out.stdout,
      stderr: out.stderr,
    });
    await manager.start();
    const [worker] = manager.workers;
    const ready = new Promise((resolve) => manager.once('workerReady', resolve));
    process.kill(worker?.pid as number, 'SIGKILL');
    await ready;
    await waitFor(() => out.text().includes('listening on'), 5_000, 'a worker line');
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const primary = lines.filter((line) => 'event' in line);
    // Every line is JSON, and the primary's have every field a worker line has.
    const workerLine = lines.find((line) => !('event' in line)) as Record<string, unknown>;
    for (const line of primary) {
      expect(Object.keys(line)).toEqual(expect.arrayContaining(Object.keys(workerLine)));
      expect(line.stream).toBe('stderr');
    }
    expect(primary.find((line) => line.event === 'ready')).toMatchObject({
      worker: 0,
      pid: worker?.pid,
      port: worker?.port,
      msg: `worker 0 ready (pid ${worker?.pid}, port ${worker?.port})`,
    });
    expect(primary.find((line) => line.event === 'exit')).toMatchObject({
      worker: 0,
      pid: worker?.pid,
      code: null,
      signal: 'SIGKILL',
      uptime: expect.any(Number),
    });
    expect(primary.find((line) => line.event === 'restart')).toMatchObject({
      worker: 0,
      delay: 0,
      attempt: 1,
    });
    expect(primary.map((line) => line.event)).toEqual(
      expect.arrayContaining(['start', 'spawn', 'ready', 'started', 'exit', 'restart']),
    );
  });

  it('logs the readiness flip, then the drain start, with drainDelay, in JSON too', async () => {
    const out = captureOutput();
    const manager = cluster(
      { processes: 1, logFormat: 'json', drainDelay: 50, adminPort: 0 },
      [fixture('app.mjs')],
      { stdout: out.stdout, stderr: out.stderr },
    );
    await manager.start();
    const admin = manager.adminAddress;
    await manager.stop();
    const primary = out
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => 'event' in line);
    const events = primary.map((line) => line.event);
    expect(primary.find((line) => line.event === 'started')).toMatchObject({ admin });
    expect(primary.find((line) => line.event === 'notReady')).toMatchObject({
      worker: null,
      pid: process.pid,
      drainDelay: 50,
      msg: 'not ready: /readyz answers 503; still serving for 50 ms (drainDelay) until load balancers stop sending traffic here',
    });
    expect(events.indexOf('notReady')).toBeLessThan(events.indexOf('stop'));
    expect(events.indexOf('stop')).toBeLessThan(events.indexOf('stopped'));
  });

  it('logs a memory replacement with the measured size', async () => {
    const out = captureOutput();
    const probe = cluster({ processes: 1 }, [fixture('app.mjs')], { stdout: out.stdout, stderr: out.stderr });
    await probe.start();
    await waitFor(() => probe.workers[0]?.memory !== undefined, 5_000, 'a first memory report');
    const fresh = probe.workers[0]?.memory as number;
    await probe.stop();

    const limit = fresh + 64 * 1024 ** 2;
    const manager = cluster({ processes: 1, maxMemory: limit }, [fixture('app.mjs')], {
      stdout: out.stdout,
      stderr: out.stderr,
    });
    await manager.start();
    const [worker] = manager.workers;
    await waitFor(() => manager.workers[0]?.memory !== undefined, 5_000, 'a first memory report');
    const replaced = new Promise<number>((resolve) =>
      manager.once('workerMemoryLimit', (_w, rss) => resolve(rss)),
    );
    await get(worker?.port as number, '/grow?mb=128');
    const rss = await replaced;
    await waitFor(() => out.text().includes('over maxMemory'), 5_000, 'the memory line');
    const mb = (bytes: number) => Math.round(bytes / 1024 ** 2);
    expect(primaryLines(out.text())).toContain(
      `[lb] worker 0 (pid ${worker?.pid}) uses ${mb(rss)} MB, over maxMemory ${mb(limit)} MB: replacing it with no request lost`,
    );
  });

  it('replaces a worker over maxMemory once, not in a loop, when a fresh worker is over it too', async () => {
    const out = captureOutput();
    const manager = cluster({ processes: 1, maxMemory: 1024 * 1024 }, [fixture('app.mjs')], {
      stdout: out.stdout,
      stderr: out.stderr,
    });
    let replacements = 0;
    manager.on('workerMemoryLimit', () => {
      replacements += 1;
    });
    const warned = new Promise<[WorkerInfo, number]>((resolve) =>
      manager.once('memoryLimitTooLow', (w, rss) => resolve([w, rss])),
    );
    await manager.start();
    const [replacement, rss] = await warned;
    // A later measurement, well above the first, must not start the loop again.
    await get(replacement.port, '/grow?mb=64');
    await waitFor(
      () => (manager.workers.find((w) => w.pid === replacement.pid)?.memory ?? 0) > rss + 32 * 1024 ** 2,
      10_000,
      'a measurement after the growth',
    );
    expect(replacements).toBe(1);
    expect(manager.workers.filter((w) => w.state === 'ready').map((w) => w.pid)).toEqual([replacement.pid]);
    const warnings = primaryLines(out.text()).filter((line) =>
      line.includes('as it starts, over maxMemory 1 MB'),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('raise --max-memory (maxMemory) above what a fresh worker needs');
  });

  it("lb's own failure line is JSON too with --log-format json", () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const result = spawnSync(
      process.execPath,
      [
        cli,
        'start',
        '/nonexistent/app.js',
        '-i',
        '1',
        '--shared-port',
        '--port',
        '0',
        '--log-format',
        'json',
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(result.status).toBe(1);
    const lines = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({
      worker: null,
      stream: 'stderr',
      event: 'failed',
      error: 'LB_ERR_WORKER_NOT_READY',
      msg: expect.stringMatching(/^Worker 0 exited \(code 1\) before it was ready/),
    });
  });
});
