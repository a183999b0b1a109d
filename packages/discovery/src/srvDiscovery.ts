import { isIP } from 'node:net';
import type { DiscoveredBackend, DiscoverySource } from '@lb/core';
import { assertString } from '@lb/core/internal';
import { type ResolvedResolverOptions, type ResolverOptions, resolveResolverOptions } from './dnsOptions.js';
import type { PollResult } from './pollingSource.js';
import { ttlRefreshDelay } from './refreshDelay.js';
import { ResolverSource } from './resolverSource.js';

/** Options of {@link srvDiscovery}. */
export interface SrvDiscoveryOptions extends ResolverOptions {
  /** The SRV name, such as `_http._tcp.api.default.svc.cluster.local` or `api.service.consul`. */
  name: string;
  /**
   * Milliseconds between lookups. `node:dns` gives no TTL for SRV records, so they are looked up on this
   * fixed period (sooner when a target's A record expires first). @default 5000
   */
  refresh?: number;
}

const knownOptions = ['name', 'servers', 'timeout', 'tries', 'hold', 'refresh'];

/** Default of {@link SrvDiscoveryOptions.refresh}: CoreDNS's TTL, and Envoy's DNS refresh. */
const defaultSrvRefreshMs = 5_000;

/** SRV lookups of one name, then A lookups of each target. */
class SrvSource extends ResolverSource {
  readonly description: string;

  constructor(
    private readonly name: string,
    private readonly refresh: number,
    resolver: ResolvedResolverOptions,
  ) {
    super(resolver);
    this.description = `srv ${name}`;
  }

  protected async poll(): Promise<PollResult> {
    const records = await this.recordsOf(this.resolver.resolveSrv(this.name));
    const targets = [...new Set(records.map((r) => r.name))];
    const resolved = await Promise.all(targets.map((t) => this.addresses(t)));
    const byTarget = new Map(targets.map((t, i) => [t, resolved[i] ?? []]));
    const backends: DiscoveredBackend[] = records.flatMap((r) =>
      (byTarget.get(r.name) ?? []).map(({ address }) => ({
        host: address,
        port: r.port,
        priority: r.priority,
        // RFC 2782 gives weight 0 a small but non-zero chance; the balancer's 0 means none, so 0 counts as 1.
        weight: Math.max(1, r.weight),
      })),
    );
    const ttls = resolved.flat().map((a) => a.ttl);
    const next =
      ttls.length > 0
        ? Math.min(this.refresh, ttlRefreshDelay(Math.min(...ttls), Math.random()))
        : this.refresh;
    return { backends, nextInMs: next };
  }

  /** A target's addresses; an IP literal stands for itself, a name without A records has none. */
  private async addresses(target: string): Promise<{ address: string; ttl: number }[]> {
    if (isIP(target) !== 0) return [{ address: target, ttl: Number.POSITIVE_INFINITY }];
    return this.recordsOf(this.resolver.resolve4(target, { ttl: true }));
  }
}

/**
 * Backends from SRV records: each target's addresses with the record's port, its priority as the backend's
 * tier (the balancer sends traffic only to the lowest tier with a backend up; higher tiers are backups) and its
 * weight as the backend's weight. Works with Kubernetes named ports
 * (`_<port>._<proto>.<service>.<namespace>.svc.cluster.local`), Consul (`<service>.service.consul`) and any
 * DNS server.
 *
 * `node:dns` returns no TTL for SRV records, so they are looked up every `refresh` milliseconds (5 s by default).
 * The failure rules are those of `dnsDiscovery`.
 */
export function srvDiscovery(options: SrvDiscoveryOptions): DiscoverySource {
  const resolver = resolveResolverOptions(options, knownOptions, 'srvDiscovery');
  assertString(options.name, 'name');
  return new SrvSource(options.name, options.refresh ?? defaultSrvRefreshMs, resolver);
}
