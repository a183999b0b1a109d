import { describe, expect, it } from 'vitest';
import { activePriority } from './priorityTiers.js';

describe('activePriority', () => {
  it('is the lowest tier with a backend up', () => {
    expect(
      activePriority([
        { priority: 20, up: true },
        { priority: 10, up: false },
        { priority: 10, up: true },
      ]),
    ).toBe(10);
  });

  it('falls to the next tier when every backend of the lowest is down', () => {
    expect(
      activePriority([
        { priority: 10, up: false },
        { priority: 20, up: true },
        { priority: 30, up: true },
      ]),
    ).toBe(20);
  });

  it('returns to the lowest tier when nothing is up, and is undefined for no backends', () => {
    expect(
      activePriority([
        { priority: 20, up: false },
        { priority: 10, up: false },
      ]),
    ).toBe(10);
    expect(activePriority([])).toBeUndefined();
  });
});
