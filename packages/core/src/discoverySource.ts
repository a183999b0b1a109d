/**
 * One backend as a discovery source reports it. Only `host` and `port` are required; the rest is what the
 * source knows (SRV gives `priority` and `weight`, an EndpointSlice gives `zone`, `nodeName` and conditions).
 */
export interface DiscoveredBackend {
  /** IP address or host name to connect to. */
  readonly host: string;
  /** TCP port to connect to. */
  readonly port: number;
  /** Relative share of traffic (an SRV weight). @default 1 */
  readonly weight?: number;
  /** Tier: the lowest number serves, higher ones are backups (an SRV priority). @default 0 */
  readonly priority?: number;
  /** Failure zone, such as `topology.kubernetes.io/zone`. */
  readonly zone?: string;
  /** Node the endpoint runs on (Kubernetes `nodeName`). */
  readonly nodeName?: string;
  /** Ready for new traffic (Kubernetes `ready`). @default true */
  readonly ready?: boolean;
  /** Able to serve (Kubernetes `serving`; true for a terminating pod that still answers). @default true */
  readonly serving?: boolean;
  /** Shutting down (Kubernetes `terminating`). @default false */
  readonly terminating?: boolean;
}

/**
 * The identity of a discovered backend and its id in a balancer: `host:port` (`[v6]:port` for IPv6), so an
 * address change is a new backend, never a silent re-point of an old one.
 */
export function discoveredBackendId(backend: Pick<DiscoveredBackend, 'host' | 'port'>): string {
  return backend.host.includes(':') ? `[${backend.host}]:${backend.port}` : `${backend.host}:${backend.port}`;
}

/** What a discovery source knows at one moment. */
export interface DiscoverySnapshot {
  /** Grows by one with every snapshot a source publishes, so a listener can tell new from repeated. */
  readonly version: number;
  /** The backends to balance over, each `host:port` once. */
  readonly backends: readonly DiscoveredBackend[];
  /**
   * The source could not refresh (a resolver error or timeout, a broken watch, an invalid file, or an empty
   * answer still within its hold period): `backends` is the last good set, kept rather than emptied.
   */
  readonly stale: boolean;
  /** Why the snapshot is stale. */
  readonly error?: Error;
}

/** Receives what a {@link DiscoverySource} learns. */
export interface DiscoveryListener {
  /** A new snapshot: the set changed, or it became stale or fresh again. */
  snapshot(snapshot: DiscoverySnapshot): void;
  /** A failure of one refresh, reported every time (a stale snapshot is published once, on the first). */
  error?(error: Error): void;
}

/**
 * Anything that tells a balancer which backends exist: DNS, a watched file, Kubernetes EndpointSlices, or a
 * registry of your own. A source starts working on its first subscriber and stops after the last one leaves;
 * a new subscriber is given the latest snapshot at once when there is one.
 */
export interface DiscoverySource {
  /** A short description for logs and errors, such as `dns api.internal:8080`. */
  readonly description: string;
  /** Starts following the source; the returned function stops. */
  subscribe(listener: DiscoveryListener): () => void;
}
