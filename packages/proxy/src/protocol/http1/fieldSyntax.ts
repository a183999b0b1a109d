/** Raised for a message the balancer will not interpret; the connection it came on cannot be trusted again. */
export class HttpParseError extends Error {}

/**
 * The tchar set of RFC 9110 §5.6.2 as a table: names are checked with a loop over char codes, which in the
 * profile cost a fraction of one regular-expression test per field.
 */
const tchar = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  tchar[c.charCodeAt(0)] = 1;

/** Whether `text[from, to)` is a non-empty token. */
export function isToken(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (tchar[text.charCodeAt(i)] !== 1) return false;
  return true;
}

/** Text decoded as latin1 never holds a code above 0xff, so only the controls and DEL need excluding. */
export function isFieldValue(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f) return false;
  }
  return true;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * Parses CRLF-separated field lines into a flat `[name, value, …]` list. Strict: a bare CR or LF, obs-fold (a
 * line starting with whitespace), whitespace before the colon, an invalid name or a control character in a value
 * is an {@link HttpParseError}, never a guess (RFC 9112 §5). The lines start at `from` (after a start line):
 * the caller need not slice the head.
 */
export function parseFieldLines(text: string, from = 0): string[] {
  const out: string[] = [];
  const length = text.length;
  let start = from;
  // One pass over each line's characters, every check made on the way; a line that fails any of them is left
  // to `explainFieldLines`, which says which rule it broke.
  while (start < length) {
    let at = start;
    while (tchar[text.charCodeAt(at)] === 1) at++;
    if (at === start || text.charCodeAt(at) !== 0x3a) return explainFieldLines(text.slice(from));
    const colon = at;
    at++;
    while (isBlank(text.charCodeAt(at))) at++;
    const valueStart = at;
    let to = valueStart;
    let end = length;
    for (; at < length; at++) {
      const c = text.charCodeAt(at);
      if (c === 13) {
        if (text.charCodeAt(at + 1) !== 10) return explainFieldLines(text.slice(from));
        end = at;
        break;
      }
      if ((c < 0x20 && c !== 9) || c === 0x7f) return explainFieldLines(text.slice(from));
      if (c !== 32 && c !== 9) to = at + 1;
    }
    out.push(text.slice(start, colon), text.slice(valueStart, to));
    start = end + 2;
  }
  return out;
}

/**
 * The field lines parsed a rule at a time, for text {@link parseFieldLines} refused: it throws the error that
 * names the first rule broken (and would return the same list, were the text valid).
 */
export function explainFieldLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\r\n', start);
    if (end === -1) end = text.length;
    const colon = text.indexOf(':', start);
    const cr = text.indexOf('\r', start);
    const lf = text.indexOf('\n', start);
    if ((cr !== -1 && cr < end) || (lf !== -1 && lf < end))
      throw new HttpParseError('bare CR or LF in a header');
    if (colon <= start || colon > end) throw new HttpParseError('header line without a name');
    if (!isToken(text, start, colon))
      throw new HttpParseError(
        `invalid header name ${JSON.stringify(text.slice(start, Math.min(colon, start + 64)))}`,
      );
    let from = colon + 1;
    let to = end;
    while (from < to && isBlank(text.charCodeAt(from))) from++;
    while (to > from && isBlank(text.charCodeAt(to - 1))) to--;
    if (!isFieldValue(text, from, to))
      throw new HttpParseError(`invalid value in ${text.slice(start, colon)}`);
    out.push(text.slice(start, colon), text.slice(from, to));
    start = end + 2;
  }
  return out;
}

/** Whether a partial line holds an LF not preceded by CR: waiting for a CRLF after it would wait forever. */
export function hasBareLf(data: Buffer): boolean {
  let at = data.indexOf(10);
  while (at !== -1) {
    if (at === 0 || data[at - 1] !== 13) return true;
    at = data.indexOf(10, at + 1);
  }
  return false;
}
