import { describe, expect, it } from 'vitest';
import { decideHold, initialHoldState } from './holdRule.js';

const one = [{ host: '127.0.0.2', port: 80 }];
const two = [...one, { host: '127.0.0.3', port: 80 }];
const failed = { kind: 'failed' as const, error: new Error('timeout') };

describe('decideHold', () => {
  it('publishes the first answer and then only changes', () => {
    const first = decideHold(initialHoldState, { kind: 'backends', backends: one }, 0, 30_000);
    expect(first).toMatchObject({ publish: true, state: { current: one, stale: false } });
    expect(decideHold(first.state, { kind: 'backends', backends: one }, 1, 30_000).publish).toBe(false);
    expect(decideHold(first.state, { kind: 'backends', backends: two }, 1, 30_000).publish).toBe(true);
  });

  it('freezes the last good set on failure, publishing stale once', () => {
    const good = decideHold(initialHoldState, { kind: 'backends', backends: two }, 0, 30_000).state;
    const first = decideHold(good, failed, 1, 30_000);
    expect(first).toMatchObject({ publish: true, error: failed.error, state: { current: two, stale: true } });
    const again = decideHold(first.state, failed, 2, 30_000);
    expect(again).toMatchObject({
      publish: false,
      error: failed.error,
      state: { current: two, stale: true },
    });
    expect(decideHold(again.state, { kind: 'backends', backends: two }, 3, 30_000)).toMatchObject({
      publish: true,
      state: { current: two, stale: false },
    });
  });

  it('keeps a set through empty answers until the hold has passed', () => {
    const good = decideHold(initialHoldState, { kind: 'backends', backends: two }, 0, 30_000).state;
    const held = decideHold(good, { kind: 'empty' }, 1_000, 30_000);
    expect(held).toMatchObject({ publish: true, recheckAt: 31_000, state: { current: two, stale: true } });
    expect(held.error).toMatchObject({ code: 'LB_ERR_DISCOVERY_EMPTY' });
    const still = decideHold(held.state, { kind: 'empty' }, 30_999, 30_000);
    expect(still).toMatchObject({ publish: false, state: { current: two, stale: true } });
    expect(decideHold(still.state, { kind: 'empty' }, 31_000, 30_000)).toMatchObject({
      publish: true,
      state: { current: [], stale: false, emptySince: undefined },
    });
  });

  it('starts the hold afresh after a non-empty answer', () => {
    const good = decideHold(initialHoldState, { kind: 'backends', backends: two }, 0, 30_000).state;
    const held = decideHold(good, { kind: 'empty' }, 1_000, 30_000).state;
    const back = decideHold(held, { kind: 'backends', backends: one }, 20_000, 30_000).state;
    expect(decideHold(back, { kind: 'empty' }, 40_000, 30_000)).toMatchObject({ recheckAt: 70_000 });
  });

  it('does not count a failure as the end of a hold', () => {
    const good = decideHold(initialHoldState, { kind: 'backends', backends: two }, 0, 30_000).state;
    const held = decideHold(good, { kind: 'empty' }, 1_000, 30_000).state;
    const broken = decideHold(held, failed, 2_000, 30_000).state;
    expect(decideHold(broken, { kind: 'empty' }, 31_000, 30_000).state.current).toEqual([]);
  });

  it('with no earlier set, publishes an empty answer at once and a failure as an empty stale set', () => {
    expect(decideHold(initialHoldState, { kind: 'empty' }, 0, 30_000)).toMatchObject({
      publish: true,
      state: { current: [], stale: false },
    });
    expect(decideHold(initialHoldState, failed, 0, 30_000)).toMatchObject({
      publish: true,
      state: { current: [], stale: true },
    });
  });

  it('empties at once with a hold of 0', () => {
    const good = decideHold(initialHoldState, { kind: 'backends', backends: one }, 0, 0).state;
    expect(decideHold(good, { kind: 'empty' }, 1, 0)).toMatchObject({
      publish: true,
      state: { current: [] },
    });
  });
});
