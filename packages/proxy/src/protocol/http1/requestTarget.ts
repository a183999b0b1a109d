import { isValidHost } from './hostSyntax.js';
import { RequestParseError } from './requestHead.js';

/** A request target as a backend gets it, with the authority of an absolute-form target. */
export interface OriginTarget {
  /** Origin-form (`/path?query`), or `*` for a server-wide `OPTIONS`. */
  readonly path: string;
  /** The target's `host[:port]` when it came in absolute-form: it replaces the received `Host`. */
  readonly authority: string | undefined;
}

const SLASH = 0x2f;
const scheme = /^(https?):\/\//i;

/**
 * Turns a request target into the form a backend expects (RFC 9112 §3.2): origin-form passes unchanged,
 * asterisk-form only for `OPTIONS`, and absolute-form (`http://host/path`, what a client sends a proxy) becomes
 * origin-form with its authority returned, since the recipient MUST then ignore the received `Host` and use the
 * target's (§3.2.2). Only `http` and `https` targets with a valid authority are accepted; anything else, an
 * authority-form target included (CONNECT is refused before), is a 400.
 */
export function originTarget(method: string, target: string): OriginTarget {
  if (target.charCodeAt(0) === SLASH) return { path: target, authority: undefined };
  if (target === '*') {
    if (method === 'OPTIONS') return { path: target, authority: undefined };
    throw new RequestParseError(400, 'asterisk-form target on a method other than OPTIONS');
  }
  const match = scheme.exec(target);
  if (match === null) throw new RequestParseError(400, 'request target is neither origin- nor absolute-form');
  const from = match[0].length;
  let to = from;
  while (to < target.length && target[to] !== '/' && target[to] !== '?') to++;
  const authority = target.slice(from, to);
  if (!isValidHost(authority)) throw new RequestParseError(400, 'invalid authority in the request target');
  const rest = target.slice(to);
  // An empty path is `/`, except that `OPTIONS http://host` asks about the server as a whole (§3.2.4).
  if (rest === '') return { path: method === 'OPTIONS' ? '*' : '/', authority };
  return { path: rest.charCodeAt(0) === SLASH ? rest : `/${rest}`, authority };
}
