import type { LoadBalancingStrategyName, Strategy } from '@lb/core';
import {
  first,
  leastConnections,
  maglev,
  peakEwma,
  powerOfTwoChoices,
  random,
  ringHash,
  roundRobin,
  weightedRoundRobin,
} from '../src/index.js';
import type { SimulationEnv } from './simulation.js';

/** A built-in strategy as the simulation and the benchmark build it. */
export interface RosterEntry {
  readonly name: LoadBalancingStrategyName;
  /** The name in tables: the strategy name, plus the options when they are not the defaults. */
  readonly label: string;
  /** Needs a `hashKey` per request to spread load. */
  readonly keyed: boolean;
  /** Builds the strategy with the simulator's clock and seeded randomness wherever it accepts them. */
  readonly make: (env: SimulationEnv) => Strategy;
}

/**
 * Every built-in strategy with default options, except the injected clock and random source, plus ring hash with
 * bounded load, the one option that changes how a hash strategy copes with a slow backend.
 */
export const roster: readonly RosterEntry[] = [
  { name: 'roundRobin', label: 'roundRobin', keyed: false, make: () => roundRobin() },
  { name: 'weightedRoundRobin', label: 'weightedRoundRobin', keyed: false, make: () => weightedRoundRobin() },
  { name: 'leastConnections', label: 'leastConnections', keyed: false, make: () => leastConnections() },
  { name: 'random', label: 'random', keyed: false, make: (env) => random({ random: env.random }) },
  {
    name: 'powerOfTwoChoices',
    label: 'powerOfTwoChoices',
    keyed: false,
    make: (env) => powerOfTwoChoices({ random: env.random }),
  },
  {
    name: 'peakEwma',
    label: 'peakEwma',
    keyed: false,
    make: (env) => peakEwma({ random: env.random, now: env.now }),
  },
  { name: 'first', label: 'first', keyed: false, make: () => first() },
  { name: 'ringHash', label: 'ringHash', keyed: true, make: () => ringHash() },
  {
    name: 'ringHash',
    label: 'ringHash (bounded 1.25)',
    keyed: true,
    make: () => ringHash({ hashBalanceFactor: 1.25 }),
  },
  { name: 'maglev', label: 'maglev', keyed: true, make: () => maglev() },
];
