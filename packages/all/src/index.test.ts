import * as cluster from '@lb/cluster';
import * as core from '@lb/core';
import * as isolatePool from '@lb/isolate-pool';
import * as proxy from '@lb/proxy';
import * as strategies from '@lb/strategies';
import { describe, expect, it } from 'vitest';
import * as all from './index.js';

describe('@lb/all', () => {
  it.each([
    ['@lb/cluster', cluster],
    ['@lb/core', core],
    ['@lb/isolate-pool', isolatePool],
    ['@lb/proxy', proxy],
    ['@lb/strategies', strategies],
  ] as const)('re-exports every value of %s as the same object', (_name, module) => {
    // Copies, so the namespaces are read as plain records rather than indexed dynamically.
    const everything: Record<string, unknown> = { ...all };
    const values = Object.entries({ ...module });
    expect(values.length).toBeGreaterThan(0);
    for (const [name, value] of values) expect(everything[name], name).toBe(value);
  });
});
