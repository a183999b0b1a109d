import { describe, expect, it } from 'vitest';
import { stuckThreads, type Watched } from './stuckThreads.js';

const thread = (running: number): Watched => ({ running, watchedSeq: -1, watchedSince: 0 });

describe('stuckThreads', () => {
  it('reports a task seen running on the same thread for the timeout, counting from the first sighting', () => {
    const busy = { ...thread(7) };
    const idle = thread(-1);
    expect(stuckThreads([busy, idle], 1000, 500)).toEqual([]);
    expect(stuckThreads([busy, idle], 1400, 500)).toEqual([]);
    expect(stuckThreads([busy, idle], 1500, 500)).toEqual([[busy, 7]]);
  });

  it('starts the count again when the thread moves on to another task', () => {
    const moving = { running: 1, watchedSeq: -1, watchedSince: 0 };
    stuckThreads([moving], 0, 100);
    const next = Object.assign(moving, { running: 2 });
    expect(stuckThreads([next], 150, 100)).toEqual([]);
    expect(stuckThreads([next], 260, 100)).toEqual([[next, 2]]);
  });
});
