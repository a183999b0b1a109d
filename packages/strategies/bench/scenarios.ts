import type { SimulationConfig } from './simulation.js';

/** A named experiment with the question it answers. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly config: SimulationConfig;
}

const common = {
  backendCount: 8,
  slotsPerBackend: 4,
  meanServiceMs: 10,
  load: 0.7,
  seed: 20_260_124,
} as const;

/**
 * The brief's experiment and a control: the first has one backend 10x slower (a noisy neighbour, a cold
 * cache); the second has equal backends but heavy-tailed service times, which is what the seed's advice
 * "leastConnections for variable processing times" is literally about.
 */
export function scenarios(requests: number): Scenario[] {
  const warmupRequests = Math.floor(requests / 10);
  return [
    {
      id: 'slowBackend',
      title: 'one backend 10x slower, exponential service times',
      config: {
        ...common,
        serviceTime: { kind: 'exponential' },
        slowBackend: { index: 0, factor: 10 },
        requests,
        warmupRequests,
      },
    },
    {
      id: 'variableTimes',
      title: 'equal backends, lognormal service times (sigma 1.5)',
      config: { ...common, serviceTime: { kind: 'lognormal', sigma: 1.5 }, requests, warmupRequests },
    },
  ];
}

const normalQuantile: Record<50 | 99, number> = { 50: 0, 99: 2.326_347_874 };

/**
 * The `p`-th percentile of the service time alone on a normal backend: what a request would take with no
 * queueing at all, the floor no strategy can beat.
 */
export function serviceTimeQuantile(config: SimulationConfig, p: 50 | 99): number {
  const mean = config.meanServiceMs;
  if (config.serviceTime.kind === 'exponential') return -mean * Math.log(1 - p / 100);
  const sigma = config.serviceTime.sigma;
  return Math.exp(Math.log(mean) - (sigma * sigma) / 2 + sigma * normalQuantile[p]);
}
