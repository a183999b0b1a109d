const unreserved = /^[A-Za-z0-9\-._~]$/;
const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const QUESTION = 0x3f;
const HASH = 0x23;

/**
 * The path part of an origin-form request target, normalised the way routes compare it (RFC 3986 §6.2.2):
 * the query dropped, percent-encoded unreserved characters decoded, other escapes' hex upper-cased, and `.`
 * and `..` segments removed, so `/api/../admin` and `/%61dmin` route as `/admin` does. Returns `undefined` for a
 * malformed escape. The target forwarded to the backend is not changed.
 */
export function normalizePath(target: string): string | undefined {
  let queryAt = -1;
  let plain = target.charCodeAt(0) === SLASH;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === QUESTION || c === HASH) {
      queryAt = i;
      break;
    }
    if (c === PERCENT || (c === DOT && target.charCodeAt(i - 1) === SLASH)) plain = false;
  }
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  // Most paths have no escape and no dot segment: they are already in normal form.
  if (plain) return path;
  let decoded = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c !== '%') {
      decoded += c;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    decoded += unreserved.test(char) ? char : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return removeDotSegments(decoded.startsWith('/') ? decoded : `/${decoded}`);
}

function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/').slice(1);
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    if (segment === '.') {
      if (last) out.push('');
    } else if (segment === '..') {
      out.pop();
      if (last) out.push('');
    } else {
      out.push(segment);
    }
  }
  return `/${out.join('/')}`;
}
