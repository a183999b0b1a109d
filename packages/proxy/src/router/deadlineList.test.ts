import { describe, expect, it } from 'vitest';
import { type Deadlined, DeadlineList } from './deadlineList.js';

/** An item that records when it expired. */
function item(name: string, log: { name: string; at: number }[]): Deadlined {
  return {
    deadlinePrev: undefined,
    deadlineNext: undefined,
    deadlineAt: 0,
    deadlineList: undefined,
    expired() {
      log.push({ name, at: performance.now() });
    },
  };
}

/** Resolves once `log` holds `count` entries; fails the test after `limit` ms. */
function until(log: unknown[], count: number, limit = 2_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const check = (): void => {
      if (log.length >= count) resolve();
      else if (performance.now() - started > limit) reject(new Error(`${log.length} of ${count} expired`));
      else setImmediate(check);
    };
    check();
  });
}

describe('DeadlineList', () => {
  it('expires items in the order set, never before their time, and not those removed', async () => {
    const list = new DeadlineList(40);
    const log: { name: string; at: number }[] = [];
    const set: Record<string, number> = {};
    const items: Record<string, Deadlined> = {};
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      items[name] = item(name, log);
      set[name] = performance.now();
      list.add(items[name]!, set[name]!);
      // Spread over time, so the timer must be re-armed for later heads.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    list.remove(items.a!);
    list.remove(items.d!);
    await until(log, 3);
    expect(log.map((e) => e.name)).toEqual(['b', 'c', 'e']);
    for (const { name, at } of log) expect(at - set[name]!).toBeGreaterThanOrEqual(40);
    expect(items.b!.deadlineList).toBeUndefined();
  });

  it('takes an item added while others expire, and a re-added item moves to the end', async () => {
    const list = new DeadlineList(20);
    const log: { name: string; at: number }[] = [];
    const late = item('late', log);
    const first: Deadlined = {
      ...item('first', log),
      expired() {
        log.push({ name: 'first', at: performance.now() });
        list.add(late, performance.now());
      },
    };
    const moved = item('moved', log);
    list.add(moved, performance.now());
    list.add(first, performance.now());
    list.add(moved, performance.now());
    await until(log, 3);
    expect(log.map((e) => e.name)).toEqual(['first', 'moved', 'late']);
  });
});
