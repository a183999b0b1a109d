import { markdownTable } from './markdown.js';
import type { SimulationConfig } from './simulation.js';

/** The nine strategies at a glance. */
const strategyTable = markdownTable(
  ['strategy', 'looks at', 'follows', 'use it when'],
  [
    [
      '[roundRobin](strategies/roundRobin.md)',
      'nothing',
      "nginx's and HAProxy's default rotation",
      'backends are identical and requests cost about the same',
    ],
    [
      '[weightedRoundRobin](strategies/weightedRoundRobin.md)',
      'weights',
      "nginx's smooth weighted round robin",
      'backends differ in size, but not over time',
    ],
    [
      '[leastConnections](strategies/leastConnections.md)',
      'in-flight requests per weight',
      'nginx `least_conn`, HAProxy `leastconn`',
      'processing times vary; one balancer sees all the traffic',
    ],
    [
      '[random](strategies/random.md)',
      'weights',
      'nginx `random`, HAProxy `random(1)`',
      'you want no shared state at all and can accept uneven queues',
    ],
    [
      '[powerOfTwoChoices](strategies/powerOfTwoChoices.md)',
      'in-flight requests of two sampled backends',
      'HAProxy `random(2)`, Envoy least request, Finagle',
      'like leastConnections, but with many balancers or huge fleets',
    ],
    [
      '[peakEwma](strategies/peakEwma.md)',
      'latency × in-flight requests',
      'Finagle and Linkerd peak EWMA',
      'backends differ in speed or slow down (noisy neighbours, GC, cold caches)',
    ],
    [
      '[first](strategies/first.md)',
      'in-flight requests against `maxConnections`',
      'HAProxy `balance first`',
      'you want as few busy backends as possible, to scale the rest in',
    ],
    [
      '[ringHash](strategies/ringHash.md)',
      'a key (client address, header, cookie)',
      'ketama, nginx `hash … consistent`, Envoy ring hash',
      'equal keys must reach equal backends (caches, sessions) and membership changes',
    ],
    [
      '[maglev](strategies/maglev.md)',
      'a key',
      "Google's Maglev (NSDI'16), Envoy Maglev",
      'as ringHash, with an O(1) lookup and a more even spread',
    ],
  ],
);

/** The hand-written part of docs/strategies.md: how to choose, independent of any one run's numbers. */
export const guide = `\`@lb/strategies\` ships nine ways to choose a backend for a request. They differ in what they look at:
nothing, the configured weights, the requests in flight, the measured latency, or a key taken from the request.
Every factory returns a \`Strategy\` (from \`@lb/core\`) that the \`@lb/proxy\` load balancer, or your own proxy,
drives with \`pick()\`, \`onRequestStart()\` and \`onRequestEnd()\`. Build one with its factory, or by name:

\`\`\`ts
import { createStrategy, leastConnections } from '@lb/strategies';

const a = leastConnections();
const b = createStrategy('peakEwma', { decayTime: 5_000 }); // the names of LoadBalancingStrategy in @lb/core
\`\`\`

${strategyTable}

How to choose, in order:

1. **Must a key stick to a backend** (a per-user cache, a session held in memory, a shard)? Use \`maglev\` for the
   fastest lookup and the most even spread, or \`ringHash\` when fewer keys should move as backends come and go,
   or when you need \`hashBalanceFactor\` (bounded load) to keep a hot key or a slow backend from being buried.
   Hash strategies cannot steer around a slow backend on their own: see scenario 1 below.
2. **Can backends become slow or differ in speed?** Use \`peakEwma\`: it sees slowness in the response times.
3. **Do processing times vary** (some requests take a millisecond, some a second)? Use \`leastConnections\` behind a
   single balancer, \`powerOfTwoChoices\` when several balancers share the backends (it avoids herding onto the one
   that looks idle to all of them) or when there are tens of thousands of backends.
4. **Are backends identical and requests uniform?** \`roundRobin\`, or \`weightedRoundRobin\` when sizes differ. It
   has no feedback at all, so it is the first to suffer when that assumption breaks.
5. **Want to pack load onto few backends?** \`first\`, with \`maxConnections\` on every backend.

\`random\` is the simplest strategy and rarely the best one: two random choices cost almost nothing more and
behave far better. What each costs per request, at 10 to 100,000 backends, is in
[Benchmarks: strategies pick cost](benchmarks.md#strategies-pick-cost).`;

/** The description of the model, with the parameters of the run. */
export function model(config: SimulationConfig): string {
  const { backendCount, slotsPerBackend, meanServiceMs, load, slowBackend } = config;
  const percentLoad = Math.round(load * 100);
  return [
    'A seeded discrete-event simulation sends the same stream of requests through every strategy:',
    '',
    `- **Backends:** ${backendCount} backends, each an M/G/${slotsPerBackend} station: ${slotsPerBackend} requests in service at once (think worker threads or CPU cores), the rest waiting in that backend's FIFO queue. Each backend's \`maxConnections\` is ${slotsPerBackend}, which only \`first\` reads.`,
    `- **Service times:** mean ${meanServiceMs} ms on a normal backend, drawn from the scenario's distribution. In scenario 1, backend ${slowBackend?.index ?? 0} (the first in id order) is ${slowBackend?.factor ?? 10}× slower.`,
    `- **Arrivals:** Poisson at ${percentLoad} % of the total capacity (the slow backend's included), so a perfect balancer keeps every backend ${percentLoad} % busy.`,
    "- **Dispatch:** each request goes through `pick()` (with a random `hashKey` for the hash strategies) and `onRequestStart()` on arrival; the balancer has no queue of its own. On completion the strategy gets `onRequestEnd(backend, { ok: true, latencyMs })`, the latency including the time queued at the backend. `peakEwma` reads the simulator's virtual clock; `random`, `powerOfTwoChoices` and `peakEwma` draw from its seeded random source. No strategy reads the real clock here.",
    '- **Measured:** every request after the first 10 % (warm-up), including those that finish after the last arrival. "Slow backend utilisation" is the work sent to it divided by what it can do: above 1 its queue grows without bound for as long as the run lasts (flagged above 1.05, since work sent just before the end counts in full). "Rejected" counts picks that returned `undefined` (none should).',
    '',
    'Strategies run with their default options, except one extra row: `ringHash` with `hashBalanceFactor: 1.25` (bounded load), the option that lets a hash strategy cope with a slow backend.',
  ].join('\n');
}

const names = [
  'roundRobin',
  'weightedRoundRobin',
  'leastConnections',
  'random',
  'powerOfTwoChoices',
  'peakEwma',
  'first',
  'ringHash',
  'maglev',
] as const;

/** Links to the page of every strategy. */
export const pageLinks = names.map((name) => `- [${name}](strategies/${name}.md)`).join('\n');
