import type { ProxyHeader } from './proxyHeader.js';

/**
 * The client a PROXY header relays: its source address for a proxied TCP connection over IPv4 or IPv6. A `LOCAL`
 * header (the proxy's own health check), `UNKNOWN` or a Unix socket relays no IP client, so the connection's own
 * peer address stays the client's, as the specification asks of a receiver.
 */
export function relayedAddress(header: ProxyHeader): string | undefined {
  if (header.command !== 'proxy') return undefined;
  if (header.family !== 'tcp4' && header.family !== 'tcp6') return undefined;
  return header.source?.address;
}
