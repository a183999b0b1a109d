import type { Backend, BackendId, PickContext, RequestOutcome, Strategy } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { overloaded } from '../bench/format.js';
import { markdownTable, replaceMarked, replaceSection } from '../bench/markdown.js';
import { roster } from '../bench/roster.js';
import { scenarios } from '../bench/scenarios.js';
import { percentile, type SimulationConfig, simulate } from '../bench/simulation.js';

/** A strategy small enough to reason about exactly, so the engine is tested apart from the real ones. */
class Rotating implements Strategy {
  readonly name = 'rotating';
  inFlight = 0;
  ends: RequestOutcome[] = [];
  private backends: readonly Backend[] = [];
  private next = 0;

  constructor(private readonly only?: BackendId) {}

  setBackends(backends: readonly Backend[]): void {
    this.backends = backends;
  }
  pick(_context?: PickContext): Backend | undefined {
    if (this.only !== undefined) return this.backends.find((b) => b.id === this.only);
    const chosen = this.backends[this.next % this.backends.length];
    this.next++;
    return chosen;
  }
  onRequestStart(): void {
    this.inFlight++;
  }
  onRequestEnd(_backend: Backend, outcome: RequestOutcome): void {
    this.inFlight--;
    this.ends.push(outcome);
  }
  setHealth(): void {}
  setWeight(): void {}
}

const base: SimulationConfig = {
  backendCount: 8,
  slotsPerBackend: 4,
  meanServiceMs: 10,
  serviceTime: { kind: 'exponential' },
  slowBackend: { index: 0, factor: 10 },
  load: 0.7,
  requests: 20_000,
  warmupRequests: 4_000,
  seed: 42,
};

describe('simulate', () => {
  it('replays exactly for equal seeds and differs for other seeds', () => {
    const a = simulate(base, () => new Rotating());
    const b = simulate(base, () => new Rotating());
    const c = simulate({ ...base, seed: 43 }, () => new Rotating());
    expect(b).toEqual(a);
    expect(c.p99Ms).not.toBe(a.p99Ms);
  });

  it('measures only requests after warm-up and reports every one of them as ended', () => {
    const strategy = new Rotating();
    const result = simulate(base, () => strategy);
    expect(result.measured).toBe(16_000);
    expect(strategy.ends).toHaveLength(20_000);
    expect(strategy.inFlight).toBe(0);
    expect(strategy.ends.every((o) => o.ok && o.latencyMs > 0)).toBe(true);
  });

  it('counts shares per backend: rotation gives each an equal share, a pinned strategy all to one', () => {
    const rotating = simulate(base, () => new Rotating());
    expect(rotating.shares).toEqual(Array(8).fill(1 / 8));
    expect(rotating.slowShare).toBe(1 / 8);
    const pinned = simulate({ ...base, load: 0.05 }, () => new Rotating(0));
    expect(pinned.slowShare).toBe(1);
  });

  it('matches M/M/1 theory: mean response time is S / (1 - rho)', () => {
    const config: SimulationConfig = {
      backendCount: 1,
      slotsPerBackend: 1,
      meanServiceMs: 10,
      serviceTime: { kind: 'exponential' },
      load: 0.5,
      requests: 200_000,
      warmupRequests: 10_000,
      seed: 7,
    };
    const result = simulate(config, () => new Rotating());
    expect(result.meanMs).toBeGreaterThan(20 * 0.93);
    expect(result.meanMs).toBeLessThan(20 * 1.07);
    // The M/M/1 response time is exponential with mean 20 ms, so its median is 20 ln 2.
    expect(result.p50Ms).toBeGreaterThan(20 * Math.LN2 * 0.93);
    expect(result.p50Ms).toBeLessThan(20 * Math.LN2 * 1.07);
  });

  it('keeps the lognormal mean equal to the configured mean so the load does not change', () => {
    const config: SimulationConfig = {
      ...base,
      slowBackend: undefined,
      serviceTime: { kind: 'lognormal', sigma: 1 },
      load: 0.05,
    };
    const result = simulate(config, () => new Rotating());
    // At 5 % load almost nothing queues, so response time is service time.
    expect(result.meanMs).toBeGreaterThan(10 * 0.93);
    expect(result.meanMs).toBeLessThan(10 * 1.1);
  });

  it('reports the slow backend overloaded under even rotation at 70 % of total capacity', () => {
    const result = simulate(base, () => new Rotating());
    // It gets 1/8 of 0.7 x (7 + 0.1) x c/S while it can serve 0.1 x c/S: about 6.2 times its capacity.
    expect(result.slowUtilisation).toBeGreaterThan(6.2125 * 0.93);
    expect(result.slowUtilisation).toBeLessThan(6.2125 * 1.07);
  });

  it('hands strategies the virtual clock', () => {
    const seen: number[] = [];
    simulate({ ...base, requests: 100, warmupRequests: 0 }, (env) => {
      const strategy = new Rotating();
      const pick = strategy.pick.bind(strategy);
      strategy.pick = () => {
        seen.push(env.now());
        return pick();
      };
      return strategy;
    });
    expect(seen).toHaveLength(100);
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen.every((t, i) => i === 0 || t >= seen[i - 1]!)).toBe(true);
    // 100 arrivals at about 2 per ms of virtual time, far from the real clock.
    expect(seen[99]).toBeLessThan(1_000);
  });

  it('counts a pick that returns nothing as rejected', () => {
    const result = simulate(base, () => new Rotating('missing'));
    expect(result.rejected).toBe(16_000);
    expect(result.measured).toBe(0);
  });

  it('passes a hash key only when asked', () => {
    const keys: (string | undefined)[] = [];
    const spy = (): Strategy => {
      const strategy = new Rotating();
      const pick = strategy.pick.bind(strategy);
      strategy.pick = (context) => {
        keys.push(context?.hashKey);
        return pick();
      };
      return strategy;
    };
    simulate({ ...base, requests: 50, warmupRequests: 0 }, spy);
    simulate({ ...base, requests: 50, warmupRequests: 0, hashKeys: true }, spy);
    expect(keys.slice(0, 50).every((k) => k === undefined)).toBe(true);
    expect(new Set(keys.slice(50)).size).toBe(50);
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 10)).toBe(1);
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
  });
});

describe('the built-in strategies in the model', () => {
  const slowScenario = scenarios(20_000)[0]!.config;
  const run = (label: string) => {
    const entry = roster.find((e) => e.label === label)!;
    return simulate({ ...slowScenario, hashKeys: entry.keyed }, entry.make);
  };

  it.each(roster.map((e) => e.label))(
    '%s replays exactly with the injected clock and random source',
    (label) => {
      expect(run(label)).toEqual(run(label));
    },
  );

  it('load-aware strategies keep the slow backend within capacity, load-oblivious ones bury it', () => {
    for (const label of [
      'leastConnections',
      'powerOfTwoChoices',
      'peakEwma',
      'first',
      'ringHash (bounded 1.25)',
    ]) {
      expect(overloaded(run(label).slowUtilisation), label).toBe(false);
    }
    for (const label of ['roundRobin', 'weightedRoundRobin', 'random', 'ringHash', 'maglev']) {
      expect(run(label).slowUtilisation, label).toBeGreaterThan(4);
    }
    expect(run('leastConnections').p99Ms).toBeLessThan(run('roundRobin').p99Ms / 10);
  });
});

describe('the docs writers', () => {
  const doc = '# Benchmarks\n\n## Strategies: pick cost\n\nold\n\n## TCP mode\n\ntheirs\n';

  it('replace their own section and leave the others byte for byte', () => {
    expect(replaceSection(doc, 'Strategies: pick cost', 'new')).toBe(
      '# Benchmarks\n\n## Strategies: pick cost\n\nnew\n\n## TCP mode\n\ntheirs\n',
    );
    expect(replaceSection('# Benchmarks\n\n## TCP mode\n\ntheirs\n', 'Strategies: pick cost', 'new')).toBe(
      '# Benchmarks\n\n## TCP mode\n\ntheirs\n\n## Strategies: pick cost\n\nnew\n',
    );
  });

  it('replace only between the markers of a page, and nothing when they are missing', () => {
    const page = 'intro\n<!-- simulation:start -->\nold\n<!-- simulation:end -->\nafter\n';
    expect(replaceMarked(page, 'simulation', 'row')).toBe(
      'intro\n<!-- simulation:start -->\nrow\n<!-- simulation:end -->\nafter\n',
    );
    expect(replaceMarked('no markers', 'simulation', 'row')).toBe('no markers');
  });

  it('pad tables the way Biome formats them', () => {
    expect(
      markdownTable(
        ['name', 'p99'],
        [
          ['a', '1 ms'],
          ['long name', '10 ms'],
        ],
        [false, true],
      ),
    ).toBe(
      [
        '| name      |   p99 |',
        '| --------- | ----: |',
        '| a         |  1 ms |',
        '| long name | 10 ms |',
      ].join('\n'),
    );
  });
});
