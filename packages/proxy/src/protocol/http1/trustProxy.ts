import { BlockList, isIP, isIPv6 } from 'node:net';

/**
 * Decides whether a hop of the forwarding chain may be believed. `hop` counts from the balancer: 0 is the peer
 * of the socket, 1 the address that peer reported in `X-Forwarded-For`, and so on.
 */
export type TrustPredicate = (address: string, hop: number) => boolean;

/** Strips the IPv4-mapped prefix Node reports on dual-stack sockets, so `::ffff:10.0.0.1` reads `10.0.0.1`. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Compiles the `trustProxy` option into a predicate. */
export function compileTrustProxy(option: boolean | number | readonly string[] | undefined): TrustPredicate {
  if (option === undefined || option === false) return () => false;
  if (option === true) return () => true;
  if (typeof option === 'number') return (_address, hop) => hop < option;
  const list = new BlockList();
  for (const entry of option) {
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (slash === -1) list.addAddress(address, family);
    else list.addSubnet(address, Number(entry.slice(slash + 1)), family);
  }
  // `BlockList.check` builds a `SocketAddress` (a native object) on every call, which made the check a larger
  // part of a connection's cost than reading its PROXY header; peers are few, so their answers are kept, up to
  // a bound that a flood of distinct addresses only empties.
  const known = new Map<string, boolean>();
  return (address) => {
    const cached = known.get(address);
    if (cached !== undefined) return cached;
    const normalized = normalizeAddress(address);
    let trusted: boolean;
    try {
      trusted = list.check(normalized, isIPv6(normalized) ? 'ipv6' : 'ipv4');
    } catch {
      trusted = false;
    }
    // Only what could be an address is kept, so no caller can fill the memo with long strings.
    if (address.length > longestAddress) return trusted;
    if (known.size >= trustCacheSize) known.clear();
    known.set(address, trusted);
    return trusted;
  };
}

/** How many peer addresses a trust list remembers its answer for. */
const trustCacheSize = 1024;
/** The longest address text worth remembering: an IPv6 address with an embedded IPv4 one and a zone. */
const longestAddress = 64;

/**
 * Works out who the client is from the forwarding chain (`X-Forwarded-For` entries then the socket peer), walking
 * from the balancer outwards while hops are trusted. Returns the client address and the part of the chain a
 * backend may rely on: everything left of the client is whatever the client claimed, so it is dropped.
 */
export function resolveClientChain(
  forwardedFor: readonly string[],
  peer: string,
  trust: TrustPredicate,
): { client: string; chain: string[] } {
  if (forwardedFor.length === 0) {
    // No hop before the peer, as in nearly every request: the peer is the client.
    const client = normalizeAddress(peer);
    return { client, chain: [client] };
  }
  const chain = [...forwardedFor.map(normalizeAddress), normalizeAddress(peer)];
  let index = chain.length - 1;
  // A malformed entry ends the walk: nothing a trusted proxy would write, so it cannot be believed.
  while (index > 0 && isIP(chain[index - 1]!) !== 0 && trust(chain[index]!, chain.length - 1 - index))
    index--;
  return { client: chain[index]!, chain: chain.slice(index) };
}

/**
 * The client address of a request by its raw fields, as `buildRequestHeaders` works it out: the
 * `X-Forwarded-For` chain is believed only from a trusted peer, and only as far as trusted hops appended it.
 * For requests refused before they are forwarded, whose headers are never built.
 */
export function clientAddressOf(rawHeaders: readonly string[], peer: string, trust: TrustPredicate): string {
  if (!trust(peer, 0)) return normalizeAddress(peer);
  const claimed: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'x-forwarded-for') continue;
    for (const part of rawHeaders[i + 1]!.split(',')) {
      const address = part.trim();
      if (address !== '') claimed.push(address);
    }
  }
  return resolveClientChain(claimed, peer, trust).client;
}
