import { describe, expect, it } from 'vitest';
import { DashboardFeed } from './dashboardFeed.js';
import type { DashboardRow } from './dashboardRow.js';
import { EventLog } from './eventLog.js';
import { RingBuffer } from './ringBuffer.js';

const responses = (n5xx: number) => ({ '1xx': 0, '2xx': 10, '3xx': 0, '4xx': 1, '5xx': n5xx });

describe('RingBuffer', () => {
  it('keeps the newest items, oldest first, at every fill level', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    for (let i = 1; i <= 7; i++) {
      ring.push(i);
      expect(ring.toArray()).toEqual(
        Array.from({ length: Math.min(i, 3) }, (_, k) => i - Math.min(i, 3) + 1 + k),
      );
      expect(ring.size).toBe(Math.min(i, 3));
    }
  });

  it('holds at least one item whatever capacity it is given', () => {
    for (const capacity of [0, -5, Number.NaN, 0.5]) {
      const ring = new RingBuffer<string>(capacity);
      ring.push('a');
      ring.push('b');
      expect(ring.toArray()).toEqual(['b']);
    }
  });
});

describe('EventLog', () => {
  it('is bounded, newest first, stamped by the server clock, and cuts long messages', () => {
    let now = 1_000;
    const log = new EventLog(3, () => now);
    for (let i = 0; i < 5; i++) {
      now += 10;
      log.add('restart', `worker ${i}`, `restart ${i}`, 'warn');
    }
    expect(log.newestFirst().map((e) => [e.t, e.subject])).toEqual([
      [1_050, 'worker 4'],
      [1_040, 'worker 3'],
      [1_030, 'worker 2'],
    ]);
    log.add('down', 'backend x', 'y'.repeat(10_000), 'bad');
    const [long] = log.newestFirst();
    expect(long?.message.length).toBeLessThanOrEqual(300);
    expect(long?.level).toBe('bad');
  });
});

describe('DashboardFeed', () => {
  it('samples the rows at server times, keeps a bounded history in order, and reads rows from their owner', () => {
    let now = 0;
    let fives = 0;
    const rows = (): DashboardRow[] => [
      {
        key: 'backend a',
        detail: '127.0.0.1:1',
        state: 'up',
        responses: responses(fives),
        errors: { connect: 1, timeout: 2, reset: 0, protocol: 0, other: 0 },
        cpuPercent: 12,
        memory: 1_000,
      },
      { key: '__proto__', detail: '', state: 'down' },
    ];
    const feed = new DashboardFeed(rows, { samples: 4, intervalMs: 500, now: () => now });
    for (let i = 0; i < 6; i++) {
      now = 10_000 + i * 500;
      fives = i;
      feed.sample();
    }
    const snap = feed.snapshot();
    expect(snap.now).toBe(12_500);
    expect(snap.intervalMs).toBe(500);
    expect(snap.samples.map((s) => s.t)).toEqual([11_000, 11_500, 12_000, 12_500]);
    expect(snap.samples.map((s) => s.rows['backend a']?.r?.[4])).toEqual([2, 3, 4, 5]);
    expect(snap.samples[0]?.rows['backend a']).toEqual({ r: [0, 10, 0, 1, 2], e: 3, cpu: 12, mem: 1_000 });
    // A hostile key is an ordinary key, not the prototype.
    expect(Object.hasOwn(snap.samples[0]!.rows, '__proto__')).toBe(true);
    expect(
      Object.getOwnPropertyDescriptor(JSON.parse(JSON.stringify(snap)).samples[0].rows, '__proto__')?.value,
    ).toEqual({});
    expect(snap.rows.map((r) => r.key)).toEqual(['backend a', '__proto__']);
  });

  it('samples on a timer while started, and not after stop', async () => {
    const feed = new DashboardFeed(() => [], { intervalMs: 5 });
    feed.start();
    expect(feed.snapshot().samples).toHaveLength(1);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (feed.snapshot().samples.length < 3) return;
        clearInterval(check);
        resolve();
      }, 1);
    });
    feed.stop();
    const count = feed.snapshot().samples.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(feed.snapshot().samples).toHaveLength(count);
  });
});
