import { FieldTable } from './fieldTable.js';
import { alwaysHopByHop, connectionTokens, namedInConnection } from './hopByHop.js';
import { resolveClientChain, type TrustPredicate } from './trustProxy.js';

/** How the body of a forwarded message is framed on the next hop. */
export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

/** Everything {@link buildRequestHeaders} needs besides the client's raw headers. */
export interface RequestHeaderContext {
  /** The HTTP version of the client's request, such as `1.1`. */
  readonly httpVersion: string;
  /** The address of the socket peer. */
  readonly peerAddress: string;
  /** The port the client connected to. */
  readonly localPort: number;
  /** Whether the client connection is TLS. */
  readonly encrypted: boolean;
  readonly trust: TrustPredicate;
  /** Add RFC 7239 `Forwarded`. */
  readonly forwarded: boolean;
  /** Pseudonym for `Via`, or `false` for none. */
  readonly via: string | false;
  readonly framing: BodyFraming;
  /** The `Upgrade` value to re-add for a tunnel request (Upgrade is hop-by-hop, so it is dropped otherwise). */
  readonly upgrade?: string;
}

/** The upstream request headers and the client address they name. */
export interface ForwardedRequestHeaders {
  /** Flat `[name, value, name, value, …]` list, ready for `http.request`. */
  readonly headers: string[];
  /** The client address after applying `trustProxy`, for sticky strategies and logs. */
  readonly clientAddress: string;
}

/** What the balancer does with a client field instead of forwarding it as it came. */
type RequestFieldRule = 'host' | 'for' | 'proto' | 'forwardedHost' | 'port' | 'forwarded' | 'via' | 'drop';

/**
 * Client fields with a rule of their own; every other field is forwarded as received unless `Connection`
 * names it. Framing and hop-by-hop fields are dropped (framing is re-emitted from the checked framing).
 */
const requestFieldRules = new FieldTable<RequestFieldRule>([
  ['host', 'host'],
  ['x-forwarded-for', 'for'],
  ['x-forwarded-proto', 'proto'],
  ['x-forwarded-host', 'forwardedHost'],
  ['x-forwarded-port', 'port'],
  ['forwarded', 'forwarded'],
  ['via', 'via'],
  ['content-length', 'drop'],
  ...alwaysHopByHop.map((name): [string, RequestFieldRule] => [name, 'drop']),
]);

function forwardedNode(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}

function quoted(value: string): string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

const COMMA = 44;
const SEMICOLON = 59;
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Splits `value` on `separator` outside quoted strings (RFC 9110 §5.6.4: a quoted string may hold the separator
 * and `\"`), trimming parts and skipping empty ones as the list syntax allows. A part whose quote never closes
 * is pushed as `undefined`: its extent cannot be known, so nothing about it can be believed.
 */
function splitQuoted(value: string, separator: number, into: (string | undefined)[]): void {
  let start = 0;
  let inQuote = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (inQuote) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inQuote = false;
    } else if (code === QUOTE) inQuote = true;
    else if (code === separator) {
      const part = value.slice(start, i).trim();
      if (part !== '') into.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (inQuote) into.push(undefined);
  else if (last !== '') into.push(last);
}

/**
 * The address in an element's `for=` parameter, unquoted and without brackets or port, so the `trustProxy`
 * predicate sees what it would see in `X-Forwarded-For`. Obfuscated nodes (`unknown`, `_hidden`) come back as
 * they are, and an element without `for=` gives `''`: an address list trusts neither, a hop count does.
 */
function forwardedFor(element: string): string {
  const pairs: (string | undefined)[] = [];
  splitQuoted(element, SEMICOLON, pairs);
  for (const pair of pairs) {
    if (pair === undefined) continue;
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
    let node = pair.slice(eq + 1).trim();
    if (node.charCodeAt(0) === QUOTE) node = node.slice(1, -1).replace(/\\(.)/g, '$1');
    if (node.startsWith('[')) {
      const close = node.indexOf(']');
      return node.slice(1, close === -1 ? undefined : close);
    }
    const colon = node.indexOf(':');
    return colon !== -1 && colon === node.lastIndexOf(':') ? node.slice(0, colon) : node;
  }
  return '';
}

/**
 * Keeps the suffix of the incoming `Forwarded` elements that the trust chain believes, the same walk
 * `resolveClientChain` makes over `X-Forwarded-For`: the rightmost element was appended by the socket peer
 * (hop 0), each one further left by the node the element to its right names, and an element is kept only
 * while the hop that appended it is trusted. A malformed element ends the walk, as a malformed address does.
 */
function trustedForwarded(values: readonly string[], peer: string, trust: TrustPredicate): string[] {
  const elements: (string | undefined)[] = [];
  for (const value of values) splitQuoted(value, COMMA, elements);
  let index = elements.length;
  let appendedBy = peer;
  while (index > 0) {
    const element = elements[index - 1];
    if (element === undefined || !trust(appendedBy, elements.length - index)) break;
    appendedBy = forwardedFor(element);
    index--;
  }
  // The walk stops at the first malformed element, so every kept one is a string.
  return elements.slice(index) as string[];
}

/** The forwarding claims of a request that made none, or of an untrusted peer. */
const noClaims: readonly string[] = [];

/**
 * Builds the headers a request carries to the backend: hop-by-hop fields and those named in `Connection` are
 * dropped, `Host` is kept, framing is re-emitted in canonical form, and `X-Forwarded-*` (plus `Forwarded` and
 * `Via` when configured) describe the client. Incoming forwarding fields are believed only from trusted peers,
 * and the `X-Forwarded-For` and `Forwarded` chains only as far as trusted hops appended them, so a client cannot
 * spoof its address.
 *
 * `Host`, the forwarding fields and the framing come first and the client's other fields after them: a backend
 * that keeps only its first N fields (Node keeps 1,000 by default) must never lose the ones it routes, frames or
 * trusts on, however many fields a client sends.
 */
export function buildRequestHeaders(
  rawHeaders: readonly string[],
  context: RequestHeaderContext,
): ForwardedRequestHeaders {
  const tokens = connectionTokens(rawHeaders);
  const rest: string[] = [];
  // Allocated by the first claim: most requests carry none.
  let claimedFor: string[] | undefined;
  let claimedForwarded: string[] | undefined;
  let claimedProto: string | undefined;
  let claimedHost: string | undefined;
  let claimedPort: string | undefined;
  let host: string | undefined;
  let via: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    const rule = requestFieldRules.get(name);
    if (rule === undefined || (rule === 'via' && context.via === false)) {
      if (!namedInConnection(name, tokens)) rest.push(name, value);
      continue;
    }
    switch (rule) {
      case 'host':
        host = value;
        break;
      case 'for':
        for (const part of value.split(',')) {
          const address = part.trim();
          if (address === '') continue;
          claimedFor ??= [];
          claimedFor.push(address);
        }
        break;
      case 'forwarded':
        claimedForwarded ??= [];
        claimedForwarded.push(value);
        break;
      case 'proto':
        claimedProto ??= value.trim();
        break;
      case 'forwardedHost':
        claimedHost ??= value.trim();
        break;
      case 'port':
        claimedPort ??= value.trim();
        break;
      case 'via':
        // The hops before this one, in order: the balancer's own entry is appended to them below.
        via = via === undefined ? value : `${via}, ${value}`;
        break;
      case 'drop':
        break;
    }
  }
  const peerTrusted = context.trust(context.peerAddress, 0);
  const { client, chain } = resolveClientChain(
    (peerTrusted && claimedFor) || noClaims,
    context.peerAddress,
    context.trust,
  );
  const ownProto = context.encrypted ? 'https' : 'http';
  const proto = (peerTrusted && claimedProto) || ownProto;
  const forwardedHost = (peerTrusted && claimedHost) || host;
  const out: string[] = host === undefined ? [] : ['Host', host];
  out.push('X-Forwarded-For', chain.length === 1 ? chain[0]! : chain.join(', '), 'X-Forwarded-Proto', proto);
  if (forwardedHost !== undefined) out.push('X-Forwarded-Host', forwardedHost);
  out.push('X-Forwarded-Port', (peerTrusted && claimedPort) || String(context.localPort));
  if (context.forwarded) {
    const own = `for=${forwardedNode(chain[chain.length - 1]!)};proto=${ownProto}`;
    const withHost = host === undefined ? own : `${own};host=${quoted(host)}`;
    const believed = peerTrusted
      ? trustedForwarded(claimedForwarded ?? noClaims, context.peerAddress, context.trust)
      : [];
    out.push('Forwarded', [...believed, withHost].join(', '));
  }
  if (context.via !== false) {
    const own = `${context.httpVersion} ${context.via}`;
    out.push('Via', via === undefined ? own : `${via}, ${own}`);
  }
  if (context.framing.kind === 'length') out.push('Content-Length', String(context.framing.length));
  else if (context.framing.kind === 'chunked') out.push('Transfer-Encoding', 'chunked');
  if (context.upgrade !== undefined) out.push('Connection', 'Upgrade', 'Upgrade', context.upgrade);
  // Pushed, not `concat`ed: about half the cost for a typical head.
  for (let i = 0; i < rest.length; i++) out.push(rest[i]!);
  return { headers: out, clientAddress: client };
}
