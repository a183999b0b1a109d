import type { DiscoveredBackend, DiscoverySource } from '@lb/core';
import { assertOneOf, assertPort, assertString } from '@lb/core/internal';
import { type ResolvedResolverOptions, type ResolverOptions, resolveResolverOptions } from './dnsOptions.js';
import type { PollResult } from './pollingSource.js';
import { ttlRefreshDelay } from './refreshDelay.js';
import { ResolverSource } from './resolverSource.js';

/** Options of {@link dnsDiscovery}. */
export interface DnsDiscoveryOptions extends ResolverOptions {
  /** The name whose A (or AAAA) records are the backends, such as a headless Service or `tasks.web`. */
  name: string;
  /** The port every address serves on. */
  port: number;
  /** `4` asks for A records, `6` for AAAA, `'both'` for both (one failing fails the lookup). @default 4 */
  family?: 4 | 6 | 'both';
  /**
   * Milliseconds between lookups, instead of following the records' TTL (clamped to 1–30 s, with jitter).
   * @default the TTL
   */
  refresh?: number;
}

const knownOptions = ['name', 'port', 'family', 'servers', 'timeout', 'tries', 'hold', 'refresh'];

/** A or AAAA lookups of one name: one record, one backend. */
class DnsSource extends ResolverSource {
  readonly description: string;

  constructor(
    private readonly name: string,
    private readonly port: number,
    private readonly families: readonly (4 | 6)[],
    private readonly refresh: number | undefined,
    resolver: ResolvedResolverOptions,
  ) {
    super(resolver);
    this.description = `dns ${name}:${port}`;
  }

  protected async poll(): Promise<PollResult> {
    const answers = await Promise.all(this.families.map((family) => this.lookup(family)));
    const records = answers.flat();
    const backends: DiscoveredBackend[] = records.map((r) => ({ host: r.address, port: this.port }));
    const ttl = records.length > 0 ? Math.min(...records.map((r) => r.ttl)) : 0;
    return { backends, nextInMs: this.refresh ?? ttlRefreshDelay(ttl, Math.random()) };
  }

  private lookup(family: 4 | 6): Promise<{ address: string; ttl: number }[]> {
    return this.recordsOf(
      family === 4
        ? this.resolver.resolve4(this.name, { ttl: true })
        : this.resolver.resolve6(this.name, { ttl: true }),
    );
  }
}

/**
 * Backends from the A (or AAAA) records of a name, looked up again when their TTL runs out (clamped to
 * [1 s, 30 s], with jitter). Works with Kubernetes headless Services, Docker Swarm's `tasks.<service>`, Consul
 * DNS and any resolver; give `servers` to ask a resolver of your own.
 *
 * A failed lookup (timeout, SERVFAIL, unreachable server) keeps the last set, marked stale; NXDOMAIN or no
 * records empty it only after `hold`.
 *
 * @example
 * ```ts
 * const lb = new LoadBalancer({ loadBalancerPort: 8080, discovery: dnsDiscovery({ name: 'api.internal', port: 3000 }) });
 * ```
 */
export function dnsDiscovery(options: DnsDiscoveryOptions): DiscoverySource {
  const resolver = resolveResolverOptions(options, knownOptions, 'dnsDiscovery');
  assertString(options.name, 'name');
  assertPort(options.port, 'port');
  const family = options.family ?? 4;
  if (family !== 4 && family !== 6) assertOneOf(family, 'family', ['both']);
  const families: (4 | 6)[] = family === 'both' ? [4, 6] : [family];
  return new DnsSource(options.name, options.port, families, options.refresh, resolver);
}
