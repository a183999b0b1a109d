const unreserved = /^[A-Za-z0-9\-._~]$/;

/**
 * The path part of an origin-form request target, normalised the way routes compare it (RFC 3986 §6.2.2):
 * the query dropped, percent-encoded unreserved characters decoded, other escapes' hex upper-cased, and `.`
 * and `..` segments removed, so `/api/../admin` and `/%61dmin` route as `/admin` does. Returns `undefined` for a
 * malformed escape. The target forwarded to the backend is not changed.
 */
export function normalizePath(target: string): string | undefined {
  const queryAt = target.search(/[?#]/);
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
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
