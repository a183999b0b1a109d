import { EventEmitter } from 'node:events';
import type { Backend, BackendHealth, BackendId, Strategy, TypedEventEmitter } from '@lb/core';
import { ConfigError } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../metrics/metricsRegistry.js';
import type { BackendEvents } from './backendEvents.js';
import { BackendSet } from './backendSet.js';
import type { BackendStatus } from './backendStatus.js';

/** A strategy that only records what it is told, so the set's calls can be checked. */
function recordingStrategy() {
  const state = {
    backends: [] as Backend[],
    health: new Map<BackendId, BackendHealth>(),
    weights: new Map<BackendId, number>(),
  };
  const strategy: Strategy = {
    name: 'recording',
    setBackends: (list) => {
      state.backends = [...list];
      state.health = new Map(list.map((b) => [b.id, state.health.get(b.id) ?? 'up']));
    },
    pick: () => undefined,
    onRequestStart: () => {},
    onRequestEnd: () => {},
    setHealth: (id, health) => state.health.set(id, health),
    setWeight: (id, weight) => state.weights.set(id, weight),
  };
  return { strategy, state };
}

function setup() {
  const { strategy, state } = recordingStrategy();
  const emitter = new EventEmitter();
  const log: string[] = [];
  for (const name of [
    'backendAdded',
    'backendRemoved',
    'backendDraining',
    'backendWeightChanged',
    'backendUp',
    'backendDown',
  ] as const) {
    emitter.on(name, (backend: BackendStatus) => {
      log.push(`${name} ${String(backend.id)}`);
    });
  }
  const metrics = new MetricsRegistry();
  const set = new BackendSet(strategy, metrics, emitter as unknown as TypedEventEmitter<BackendEvents>);
  return { set, state, log, metrics, strategy };
}

const b = (id: string, port = 80, weight?: number): Backend => ({ id, host: '127.0.0.1', port, weight });

describe('BackendSet', () => {
  it('reconciles a whole list in one call: adds, re-weights and retires, one event per change', async () => {
    const { set, state, log } = setup();
    set.add(b('a'), false);
    set.add(b('b'), false);
    await set.setBackends([b('a', 80, 3), b('c')]);
    expect(log).toEqual([
      'backendDraining b',
      'backendWeightChanged a',
      'backendAdded c',
      'backendRemoved b',
    ]);
    expect(state.backends.map((x) => [x.id, x.weight])).toEqual([
      ['a', 3],
      ['c', 1],
    ]);
  });

  it('keeps a retiring backend until its last request ends, and takes it back if it is listed again', async () => {
    const { set, state, log } = setup();
    const a = set.add(b('a'), false);
    set.started(a.backend);
    let removed = false;
    void set.setBackends([]).then(() => {
      removed = true;
    });
    expect(state.health.get('a')).toBe('draining');
    await set.setBackends([b('a')]);
    expect(state.health.get('a')).toBe('up');
    set.ended(a.backend, true, 1);
    await new Promise(setImmediate);
    expect(set.has('a')).toBe(true);
    expect(removed).toBe(true);
    expect(log).toEqual(['backendDraining a', 'backendUp a']);
  });

  it('replaces a backend whose address changed under the same id', async () => {
    const { set, state, log } = setup();
    set.add(b('a', 80), false);
    await set.setBackends([b('a', 81)]);
    expect(state.backends.map((x) => x.port)).toEqual([81]);
    expect(log).toEqual(['backendRemoved a', 'backendAdded a']);
  });

  it('replaces a backend whose tls setting changed, not one listed again with an equal setting', async () => {
    const { set, log } = setup();
    set.add({ ...b('a'), tls: { ca: 'A' } }, false);
    await set.setBackends([{ ...b('a'), tls: { ca: 'A' } }]);
    expect(log).toEqual([]);
    await set.setBackends([{ ...b('a'), tls: { ca: 'B' } }]);
    expect(log).toEqual(['backendRemoved a', 'backendAdded a']);
  });

  it('changes nothing when the new list is invalid', async () => {
    const { set, state, log } = setup();
    set.add(b('a'), false);
    expect(() => set.setBackends([b('x'), b('x')])).toThrow(ConfigError);
    expect(() => set.setBackends([b('y', 80, -1)])).toThrow(ConfigError);
    expect(state.backends.map((x) => x.id)).toEqual(['a']);
    expect(log).toEqual([]);
  });

  it('is the one source of the metrics gauges: health, weight and in-flight are read from the record', () => {
    const { set, metrics } = setup();
    const a = set.add(b('a', 80, 2), false);
    set.started(a.backend);
    set.updateHealth('a', { ejected: true }, 'ejected');
    set.setRampFactor(a, 0.5);
    const [snapshot] = metrics.snapshot().backends;
    expect(snapshot).toMatchObject({ up: false, ejected: true, weight: 1, activeRequests: 1 });
    set.remove('a');
    expect(metrics.backend('a')).toBeUndefined();
  });

  it('does not count or report requests to a backend removed while they were in flight', () => {
    const { set } = setup();
    const a = set.add(b('a'), false);
    expect(set.started(a.backend)).toBe(true);
    set.remove('a');
    expect(set.ended(a.backend, true, 1)).toBeUndefined();
    expect(set.started(a.backend)).toBe(false);
  });

  it('tells the strategy of a large snapshot once, whether it adds or drops every backend', async () => {
    const { set, log, strategy } = setup();
    const lists: number[] = [];
    const setBackends = strategy.setBackends.bind(strategy);
    strategy.setBackends = (list) => {
      lists.push(list.length);
      setBackends(list);
    };
    const many = Array.from({ length: 1_000 }, (_, i) => b(`n${i}`, 1 + i));
    await set.setBackends(many);
    expect(lists).toEqual([1_000]);
    expect(log.filter((l) => l.startsWith('backendAdded'))).toHaveLength(1_000);

    // Every one idle and dropped: drained, then removed together, after `x` joined them.
    await set.setBackends([b('x')]);
    expect(lists).toEqual([1_000, 1_001, 1]);
    expect(log.filter((l) => l.startsWith('backendRemoved'))).toHaveLength(1_000);
    expect([...set.all()].map((r) => r.id)).toEqual(['x']);
  });
});
