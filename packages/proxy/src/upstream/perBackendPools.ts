import type { BackendId } from '@lb/core';
import type { UpstreamPoolStats } from './upstreamClient.js';

/** What an upstream client's pool for one backend offers: its counts, and closing once its exchanges end. */
interface BackendPoolLike {
  stats(): UpstreamPoolStats;
  /** Closes idle connections now and busy ones when their exchange ends; takes no new request. */
  retire(): void;
}

/**
 * The part of an upstream client that keeps one pool per backend: forgetting a removed backend's pool, the
 * counts of every pool, and closing them all. `Http1Pool` and `Http2Pool` differ only in the pools they make.
 */
export abstract class PerBackendPools<P extends BackendPoolLike> {
  /** Made on a backend's first request. */
  protected readonly pools = new Map<BackendId, P>();

  forget(id: BackendId): void {
    this.pools.get(id)?.retire();
    this.pools.delete(id);
  }

  stats(): UpstreamPoolStats[] {
    return [...this.pools.values()].map((pool) => pool.stats());
  }

  close(): void {
    for (const pool of this.pools.values()) pool.retire();
    this.pools.clear();
  }
}
