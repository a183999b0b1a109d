import type { DiscoverySnapshot } from '@lb/core';
import { describe, expect, it } from 'vitest';
import type { DiscoveryAnswer } from './holdRule.js';
import { SourceBase } from './sourceBase.js';

/** A source whose answers the test gives by hand, counting opens and closes. */
class HandSource extends SourceBase {
  readonly description = 'hand';
  opens = 0;
  closes = 0;

  constructor(hold = 30_000) {
    super(hold);
  }

  protected open(): void {
    this.opens++;
  }

  protected close(): void {
    this.closes++;
  }

  answer(answer: DiscoveryAnswer): void {
    this.report(answer);
  }
}

const backends = [{ host: '127.0.0.2', port: 80 }];

describe('SourceBase', () => {
  it('opens on the first subscriber and closes after the last', () => {
    const source = new HandSource();
    const stopA = source.subscribe({ snapshot: () => {} });
    const stopB = source.subscribe({ snapshot: () => {} });
    expect(source.opens).toBe(1);
    stopA();
    expect(source.closes).toBe(0);
    stopB();
    stopB();
    expect(source.closes).toBe(1);
  });

  it('gives a later subscriber the latest snapshot, after subscribe returns', async () => {
    const source = new HandSource();
    source.subscribe({ snapshot: () => {} });
    source.answer({ kind: 'backends', backends });
    const seen: DiscoverySnapshot[] = [];
    source.subscribe({ snapshot: (s) => seen.push(s) });
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual([{ version: 1, backends, stale: false }]);
  });

  it('reports every failure as an error and publishes stale once', () => {
    const source = new HandSource();
    const snapshots: DiscoverySnapshot[] = [];
    const errors: Error[] = [];
    source.subscribe({ snapshot: (s) => snapshots.push(s), error: (e) => errors.push(e) });
    source.answer({ kind: 'backends', backends });
    const error = new Error('timeout');
    source.answer({ kind: 'failed', error });
    source.answer({ kind: 'failed', error });
    expect(errors).toEqual([error, error]);
    expect(snapshots.map((s) => [s.version, s.stale])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(snapshots[1]).toMatchObject({ backends, error });
  });

  it('ends a hold by itself when the source says nothing more', async () => {
    const source = new HandSource(20);
    const emptied = new Promise<DiscoverySnapshot>((resolve) => {
      source.subscribe({ snapshot: (s) => s.backends.length === 0 && resolve(s) });
    });
    source.answer({ kind: 'backends', backends });
    source.answer({ kind: 'empty' });
    expect(await emptied).toMatchObject({ version: 3, stale: false });
  });
});
