import type { DiscoveredBackend, DiscoveryListener, DiscoverySource } from '@lb/core';

/**
 * A source a test drives by hand, written the way a user would implement {@link DiscoverySource} for a
 * registry of their own.
 */
export class ManualSource implements DiscoverySource {
  readonly description = 'manual';
  private readonly listeners = new Set<DiscoveryListener>();
  private version = 0;

  subscribe(listener: DiscoveryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  publish(backends: readonly DiscoveredBackend[], stale = false): void {
    const snapshot = { version: ++this.version, backends, stale };
    for (const l of this.listeners) l.snapshot(snapshot);
  }
}
