/** One end of a proxied connection, as a PROXY protocol header states it. */
export interface ProxyEndpoint {
  /** An IPv4 or IPv6 address, or a Unix socket path. */
  readonly address: string;
  /** The TCP port; 0 for a Unix socket. */
  readonly port: number;
}

/**
 * A PROXY protocol header (HAProxy's `doc/proxy-protocol.txt`), version 1 (text) or 2 (binary).
 *
 * With `command: 'local'` (v2 health checks from the proxy itself) or `family: 'unknown'` the sender does not
 * relay a client: the receiver keeps the connection's own addresses, and `source`/`destination` are absent.
 */
export interface ProxyHeader {
  readonly version: 1 | 2;
  readonly command: 'proxy' | 'local';
  readonly family: 'tcp4' | 'tcp6' | 'unix' | 'unknown';
  readonly source: ProxyEndpoint | undefined;
  readonly destination: ProxyEndpoint | undefined;
  /** v2 type-length-value extensions by type (ALPN 0x01, authority 0x02, unique id 0x05, SSL 0x20, …). */
  readonly tlvs: ReadonlyMap<number, Buffer>;
}

/** What {@link parseProxyHeader} makes of the bytes received so far. */
export type ProxyParseResult =
  /** More bytes are needed; nothing is wrong yet. */
  | { readonly kind: 'incomplete' }
  /** Not a valid header: the connection must be closed. */
  | { readonly kind: 'invalid'; readonly reason: string }
  /** A whole header of `length` bytes; the bytes after it belong to the proxied protocol. */
  | { readonly kind: 'complete'; readonly length: number; readonly header: ProxyHeader };
